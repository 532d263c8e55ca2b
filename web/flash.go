package web

import (
	"net/http"
	"strings"

	"github.com/seatdesk/seatdesk/templates"
)

// Messages that survive a redirect: after a form post without JavaScript
// (post, redirect, get), the handler keeps its success, warning or error
// message in the session, and the next full page shows it once, in the
// layout, and forgets it. The session row holds the messages (gorilla's
// flashes); a cookie without content tells the next page that there are
// some, so that pages without a message read no session.

const (
	flashSuccess = "success"
	flashWarning = "warning"
	flashError   = "error"

	flashHint = "seatdesk_flash"
)

// flashMsg is one message for the next page.
type flashMsg struct{ kind, text string }

func success(text string) flashMsg { return flashMsg{flashSuccess, text} }
func warning(text string) flashMsg { return flashMsg{flashWarning, text} }

// redirectFlash keeps the messages for the next page, then redirects there:
// 303 for a form post, HX-Redirect for htmx (a full page load too).
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, target string, msgs ...flashMsg) error {
	if len(msgs) > 0 {
		values := make([]string, 0, len(msgs))
		for _, m := range msgs {
			if m.text != "" {
				values = append(values, m.kind+":"+m.text)
			}
		}
		if err := s.sessions.addFlashes(r, values); err != nil {
			return err
		}
		// #nosec G124 -- Secure follows the https base URL, as the session cookie's.
		http.SetCookie(w, &http.Cookie{Name: flashHint, Value: "1", Path: "/", MaxAge: 600, HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: s.https})
	}
	redirect(w, r, target)
	return nil
}

// takeFlashes returns the messages kept for this page and forgets them:
// only for a full page answering a GET.
func (s *Server) takeFlashes(w http.ResponseWriter, r *http.Request) []templates.Flash {
	if r.Method != http.MethodGet || isHTMX(r) {
		return nil
	}
	if _, err := r.Cookie(flashHint); err != nil {
		return nil
	}
	// #nosec G124 -- Secure follows the https base URL, as the session cookie's.
	http.SetCookie(w, &http.Cookie{Name: flashHint, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.https})
	values, err := s.sessions.takeFlashes(r)
	if err != nil {
		s.Log.WarnContext(r.Context(), "messages of the last change lost", "request_id", state(r.Context()).id, "error", err.Error())
		return nil
	}
	var out []templates.Flash
	for _, v := range values {
		kind, text, ok := strings.Cut(v, ":")
		if !ok || (kind != flashSuccess && kind != flashWarning && kind != flashError) {
			continue
		}
		out = append(out, templates.Flash{Kind: kind, Message: text})
	}
	return out
}
