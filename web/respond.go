package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// This file is the only code that writes responses.

var (
	errSignInNeeded = errors.New("sign-in needed")
	errCrossOrigin  = errors.New("cross-origin request refused")
)

var languageNames = map[string]string{"en": "English", "it": "Italiano", "fr": "Français"}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// page renders a full page inside the layout.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, title, nav string, body templ.Component) error {
	vm := templates.Page{Title: title, Lang: locales.From(r.Context()).Lang, Nav: nav, LangLinks: langLinks(r, r.URL)}
	vm.Flash = s.takeFlashes(w, r)
	st := state(r.Context())
	if st.user != nil {
		vm.User = &templates.User{Name: st.user.Name, Email: st.user.Email}
	}
	if a := st.actor; a != nil {
		vm.Org = &templates.OrgNav{Slug: a.Org.Slug, Name: a.Org.Name, Role: string(a.Role),
			CanViewOrganization: models.Allows(a.Role, models.ViewOrganization),
			CanViewBilling:      models.Allows(a.Role, models.ViewBilling),
			CanViewAudit:        models.Allows(a.Role, models.ViewAudit)}
		if st.user != nil {
			n, err := models.OrgCount(r.Context(), s.DB, st.user.ID)
			if err != nil {
				return err
			}
			vm.Org.CanSwitch = n > 1
		}
	}
	return render(w, templ.WithChildren(r.Context(), body), status, templates.Layout(vm))
}

// fragment renders a component alone, for htmx.
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	return render(w, r.Context(), status, c)
}

// render writes a component only once it has rendered whole: a failing
// render never sends half a page, and the caller can still answer with an
// error page.
func render(w http.ResponseWriter, ctx context.Context, status int, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	h.Add("Vary", "Cookie")
	h.Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a client gone away is not an error of ours
	return nil
}

// writeJSON writes a value as JSON with a content type (application/json,
// or application/scim+json for SCIM); the value is encoded whole first.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// redirect sends the browser to target after a form post (303), or tells
// htmx to go there (HX-Redirect with 200: htmx ignores headers on 3xx).
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- every target is a path Seatdesk builds, or a next= that passed safeNext

}

// fail turns an error into a response in the user's language. The user never
// sees err.Error().
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	loc := locales.From(ctx)
	st := state(ctx)
	var (
		forbidden  *models.Forbidden
		invalid    *models.Invalid
		throttled  *models.Throttled
		busy       *models.Busy
		badFilter  *models.BadFilter
		conflict   *models.Conflict
		scimBadReq *scimBad
		ssoErr     *ssoError
		notActive  *models.NotActive
	)
	vm := templates.Error{}
	switch {
	case errors.Is(err, errSignInNeeded):
		redirect(w, r, loginURL(r))
		return
	case errors.As(err, &ssoErr):
		s.ssoPage(w, r, ssoErr)
		return
	case errors.As(err, &notActive):
		vm = templates.Error{Status: http.StatusForbidden, Title: loc.T("member_status."+string(notActive.Status)+".title", nil),
			Message: loc.T("member_status."+string(notActive.Status)+".body", map[string]any{"Org": notActive.OrgName})}
	case errors.Is(err, errCrossOrigin):
		vm = templates.Error{Status: http.StatusForbidden, Title: loc.T("error.forbidden.title", nil), Message: loc.T("error.cross_origin", nil)}
	case errors.As(err, &forbidden):
		current := ""
		if st.actor != nil {
			current = loc.T("role."+string(st.actor.Role), nil)
		}
		vm = templates.Error{Status: http.StatusForbidden, Title: loc.T("error.forbidden.title", nil),
			Message: loc.T("error.forbidden.body", map[string]any{"Role": loc.T("role."+string(forbidden.Need), nil), "Current": current})}
	case errors.Is(err, errUnauthorized):
		realm := "Seatdesk SCIM"
		if st.format == JSON {
			realm = "Seatdesk API"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		vm = templates.Error{Status: http.StatusUnauthorized, Title: loc.T("error.unauthorized.title", nil), Message: loc.T("error.unauthorized.body", nil)}
	case errors.As(err, &badFilter):
		vm = templates.Error{Status: http.StatusBadRequest, Code: "invalidFilter", Message: badFilter.Detail}
	case errors.As(err, &scimBadReq):
		vm = templates.Error{Status: http.StatusBadRequest, Code: scimBadReq.scimType, Message: scimBadReq.detail}
	case errors.Is(err, models.ErrAlreadyMember), errors.Is(err, models.ErrTaken):
		vm = templates.Error{Status: http.StatusConflict, Code: "uniqueness", Message: loc.T("error.conflict.body", nil)}
	case errors.As(err, &conflict):
		vm = templates.Error{Status: http.StatusBadRequest, Code: "mutability", Message: loc.T(conflict.Key, nil)}
	case errors.As(err, &invalid) && st.format == SCIMJSON:
		vm = templates.Error{Status: http.StatusBadRequest, Code: "invalidValue", Message: loc.Message(invalid.Key, invalid.Args)}
	case errors.Is(err, models.ErrNotFound):
		vm = templates.Error{Status: http.StatusNotFound, Title: loc.T("error.not_found.title", nil), Message: loc.T("error.not_found.body", nil)}
	case errors.As(err, &invalid):
		vm = templates.Error{Status: http.StatusUnprocessableEntity, Title: loc.T("error.invalid.title", nil), Message: loc.Message(invalid.Key, invalid.Args)}
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(throttled.RetryAfterMinutes*60))
		vm = templates.Error{Status: http.StatusTooManyRequests, Title: loc.T("error.invalid.title", nil),
			Message: loc.T("auth.login.throttled", map[string]any{"Minutes": throttled.RetryAfterMinutes})}
	case errors.As(err, &busy):
		w.Header().Set("Retry-After", strconv.Itoa(busy.RetryAfterSeconds))
		vm = templates.Error{Status: http.StatusTooManyRequests, Title: loc.T("error.invalid.title", nil), Message: loc.T("auth.login.busy", nil)}
	default:
		s.Log.ErrorContext(ctx, "request failed", "request_id", st.id, "error", err.Error())
		vm = templates.Error{Status: http.StatusInternalServerError, Title: loc.T("error.internal.title", nil),
			Message: loc.T("error.internal.body", map[string]any{"RequestID": st.id})}
	}
	var rerr error
	switch {
	case st.format == JSON || st.format == SCIMJSON:
		rerr = s.failMachine(w, st.format, vm)
	case isHTMX(r):
		rerr = s.fragment(w, r, vm.Status, templates.ErrorPage(vm))
	default:
		rerr = s.page(w, r, vm.Status, vm.Title, "", templates.ErrorPage(vm))
	}
	if rerr != nil {
		s.Log.ErrorContext(ctx, "render error page", "request_id", st.id, "error", rerr.Error())
	}
}

// machineCodes name the statuses in JSON errors.
var machineCodes = map[int]string{
	http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden", http.StatusNotFound: "not_found",
	http.StatusConflict: "conflict", http.StatusUnprocessableEntity: "invalid", http.StatusTooManyRequests: "too_many_requests",
	http.StatusInternalServerError: "internal",
}

// failMachine writes an error for a machine caller: JSON with a code and a
// message, or a SCIM Error (RFC 7644 §3.12). Never an HTML page.
func (s *Server) failMachine(w http.ResponseWriter, format Format, vm templates.Error) error {
	if format == SCIMJSON {
		return writeJSON(w, vm.Status, scimContentType, scimError{Schemas: []string{scimErrorSchema},
			Status: strconv.Itoa(vm.Status), ScimType: vm.Code, Detail: vm.Message})
	}
	code := vm.Code
	if code == "" {
		code = machineCodes[vm.Status]
	}
	return writeJSON(w, vm.Status, "application/json", map[string]string{"code": code, "message": vm.Message})
}

// langLinks are the language switcher's links: the page at u with ?lang=.
func langLinks(r *http.Request, u *url.URL) []templates.LangLink {
	current := locales.From(r.Context()).Lang
	links := make([]templates.LangLink, 0, len(locales.Languages))
	for _, lang := range locales.Languages {
		q := u.Query()
		q.Set("lang", lang)
		path := u.Path
		if r.Method != http.MethodGet {
			path = "/"
			q = url.Values{"lang": {lang}}
		}
		links = append(links, templates.LangLink{Lang: lang, Label: languageNames[lang], Href: path + "?" + q.Encode(), Current: lang == current})
	}
	return links
}

// csvStream writes a CSV download as it is produced: the header first, then
// rows through a buffered csv.Writer flushed to the client every
// csvFlushRows rows, so that memory does not grow with the number of rows.
// Once started, an error can only cut the download short (logged).
type csvStream struct {
	w       *csv.Writer
	flusher http.Flusher
	rows    int
}

const csvFlushRows = 500

// startCSV begins a CSV attachment named filename with its header row.
func startCSV(w http.ResponseWriter, filename string, header []string) (*csvStream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	c := &csvStream{w: csv.NewWriter(w)}
	c.flusher, _ = w.(http.Flusher)
	if c.flusher == nil {
		if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
			c.flusher, _ = u.Unwrap().(http.Flusher)
		}
	}
	return c, c.w.Write(header)
}

// Row writes one row. A cell that a spreadsheet would run as a formula
// (starting with =, +, -, @, tab or carriage return) is prefixed with an
// apostrophe.
func (c *csvStream) Row(cells []string) error {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	if err := c.w.Write(cells); err != nil {
		return err
	}
	c.rows++
	if c.rows%csvFlushRows == 0 {
		return c.flush()
	}
	return nil
}

func (c *csvStream) flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	if c.flusher != nil {
		c.flusher.Flush()
	}
	return nil
}

// Close flushes the last rows.
func (c *csvStream) Close() error { return c.flush() }
