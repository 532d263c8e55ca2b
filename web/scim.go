package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/seatdesk/seatdesk/models"
)

// SCIM 2.0 (RFC 7643, RFC 7644): the identity provider's way in. Every
// answer is application/scim+json; every error a SCIM Error.

const (
	scimContentType  = "application/scim+json"
	scimErrorSchema  = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimListSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimUserSchema   = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupSchema  = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimSeatSchema   = "urn:seatdesk:params:scim:schemas:extension:seat:2.0:User"
	scimMaxBody      = 1 << 20
	scimDefaultCount = 100
)

// scimError is a SCIM Error response (RFC 7644 §3.12).
type scimError struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// scimBad is a request SCIM refuses with 400 and a scimType.
type scimBad struct {
	scimType, detail string
}

func (e *scimBad) Error() string { return e.scimType + ": " + e.detail }

var errUnauthorized = errors.New("no valid bearer token")

// scimBase is the SCIM base URL.
func (s *Server) scimBase() string { return s.baseURL + "/scim/v2" }

func (s *Server) scimJSON(w http.ResponseWriter, status int, v any) error {
	return writeJSON(w, status, scimContentType, v)
}

// scimActor authenticates the bearer token of a SCIM request.
func (s *Server) scimActor(r *http.Request) (models.Actor, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return models.Actor{}, errUnauthorized
	}
	actor, err := models.SCIMActor(r.Context(), s.DB, s.Clock, strings.TrimSpace(token))
	if errors.Is(err, models.ErrNotFound) {
		return models.Actor{}, errUnauthorized
	}
	return actor, err
}

// ---- Users ----

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// scimUserIn is a User as identity providers send it.
type scimUserIn struct {
	UserName    *string         `json:"userName"`
	Name        *scimName       `json:"name"`
	DisplayName *string         `json:"displayName"`
	Emails      []scimEmail     `json:"emails"`
	Active      json.RawMessage `json:"active"`
	ExternalID  *string         `json:"externalId"`
}

// scimBool reads a boolean, also as the strings "True" and "False" that
// Microsoft Entra sends.
func scimBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if v, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return v, nil
		}
	}
	return false, &scimBad{"invalidValue", "active must be true or false"}
}

func decodeSCIM(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, scimMaxBody))
	if err := dec.Decode(v); err != nil {
		return &scimBad{"invalidSyntax", "the request body is not a JSON object of the expected shape"}
	}
	return nil
}

// userName is the userName, or the primary (else first) email.
func (u scimUserIn) userName() string {
	if u.UserName != nil && strings.TrimSpace(*u.UserName) != "" {
		return *u.UserName
	}
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// SCIMCreateUser provisions a member (201 even when they wait for a seat).
func (s *Server) SCIMCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in scimUserIn
	if err := decodeSCIM(r, &in); err != nil {
		return err
	}
	p := models.ProvisionInput{Email: in.userName(), ExternalID: in.ExternalID, Active: true, Source: models.SourceSCIM}
	if p.Email == "" {
		return &scimBad{"invalidValue", "userName is required"}
	}
	if in.Name != nil {
		p.GivenName, p.FamilyName, p.Name = in.Name.GivenName, in.Name.FamilyName, in.Name.Formatted
	}
	if in.DisplayName != nil {
		p.Name = *in.DisplayName
	}
	if len(in.Active) > 0 {
		active, err := scimBool(in.Active)
		if err != nil {
			return err
		}
		p.Active = active
	}
	res, err := s.provisioner().Provision(r.Context(), ActorFrom(r.Context()), p)
	if err != nil {
		return err
	}
	s.deliverAll(r, res.Mails)
	return s.scimUserAnswer(w, r, http.StatusCreated, res.Member.ID)
}

func (s *Server) scimUserAnswer(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	u, err := models.SCIMUserByID(r.Context(), s.DB, ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	res := s.scimUser(u)
	if status == http.StatusCreated {
		w.Header().Set("Location", s.scimBase()+"/Users/"+strconv.FormatInt(id, 10))
	}
	return s.scimJSON(w, status, projectFrom(r, res))
}

// seatStatus is the extension's seatStatus.
func seatStatus(u models.SCIMUser) string {
	switch {
	case u.Status == models.StatusSuspended:
		return "suspended"
	case u.Status == models.StatusPending:
		return "waiting"
	case u.SeatTypeKey == nil:
		return "unassigned"
	}
	return "assigned"
}

// splitName gives given and family names to members who have one name only.
func splitName(u models.SCIMUser) (string, string) {
	if u.GivenName != "" || u.FamilyName != "" {
		return u.GivenName, u.FamilyName
	}
	given, family, _ := strings.Cut(strings.TrimSpace(u.Name), " ")
	return given, strings.TrimSpace(family)
}

func scimMeta(kind, location string, created, modified time.Time) map[string]any {
	return map[string]any{"resourceType": kind, "created": created.UTC().Format(time.RFC3339), "lastModified": modified.UTC().Format(time.RFC3339),
		"location": location, "version": fmt.Sprintf(`W/"%d"`, modified.UnixNano())}
}

func (s *Server) scimUser(u models.SCIMUser) map[string]any {
	given, family := splitName(u)
	id := strconv.FormatInt(u.ID, 10)
	res := map[string]any{
		"schemas":     []string{scimUserSchema, scimSeatSchema},
		"id":          id,
		"userName":    u.UserName,
		"name":        map[string]any{"formatted": u.Name, "givenName": given, "familyName": family},
		"displayName": u.Name,
		"emails":      []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"active":      u.Status != models.StatusSuspended,
		"meta":        scimMeta("User", s.scimBase()+"/Users/"+id, u.CreatedAt, u.UpdatedAt),
	}
	if u.ExternalID != nil {
		res["externalId"] = *u.ExternalID
	}
	groups := []any{}
	for _, g := range u.Groups {
		gid := strconv.FormatInt(g.ID, 10)
		groups = append(groups, map[string]any{"value": gid, "display": g.Display, "$ref": s.scimBase() + "/Groups/" + gid})
	}
	res["groups"] = groups
	seat := map[string]any{"seatStatus": seatStatus(u)}
	if u.SeatTypeKey != nil {
		seat["seatType"] = *u.SeatTypeKey
	} else if u.WaitingFor != nil {
		seat["waitingFor"] = *u.WaitingFor
	}
	res[scimSeatSchema] = seat
	return res
}

// scimQuery reads filter, sort and paging from the query string.
func scimQuery(r *http.Request) (models.SCIMQuery, error) {
	q := r.URL.Query()
	out := models.SCIMQuery{Filter: q.Get("filter"), SortBy: q.Get("sortBy"), StartIndex: 1, Count: scimDefaultCount}
	switch strings.ToLower(q.Get("sortOrder")) {
	case "", "ascending":
	case "descending":
		out.Descending = true
	default:
		return out, &scimBad{"invalidValue", "sortOrder must be ascending or descending"}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"startIndex", &out.StartIndex}, {"count", &out.Count}} {
		if raw := q.Get(p.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				return out, &scimBad{"invalidValue", p.name + " must be a whole number"}
			}
			*p.dst = n
		}
	}
	if out.StartIndex < 1 {
		out.StartIndex = 1
	}
	if out.Count < 0 {
		out.Count = 0
	}
	out.Count = min(out.Count, models.SCIMMaxResults)
	return out, nil
}

func (s *Server) scimList(w http.ResponseWriter, r *http.Request, q models.SCIMQuery, total int64, resources []map[string]any) error {
	list := make([]any, len(resources))
	for i, res := range resources {
		list[i] = projectFrom(r, res)
	}
	return s.scimJSON(w, http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": total,
		"startIndex": q.StartIndex, "itemsPerPage": len(list), "Resources": list})
}

// SCIMUsers lists members, filtered, sorted and paged.
func (s *Server) SCIMUsers(w http.ResponseWriter, r *http.Request) error {
	q, err := scimQuery(r)
	if err != nil {
		return err
	}
	users, total, err := models.SCIMUsers(r.Context(), s.DB, ActorFrom(r.Context()), q)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(users))
	for i, u := range users {
		out[i] = s.scimUser(u)
	}
	return s.scimList(w, r, q, total, out)
}

func scimID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// SCIMUser is one member.
func (s *Server) SCIMUser(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	return s.scimUserAnswer(w, r, http.StatusOK, id)
}

// SCIMReplaceUser is PUT: the user as sent replaces names, email, externalId
// and active. The seat an Admin chose stays (R-PROV-5).
func (s *Server) SCIMReplaceUser(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	var in scimUserIn
	if err := decodeSCIM(r, &in); err != nil {
		return err
	}
	u := models.ProvisionUpdate{}
	if name := in.userName(); name != "" {
		u.Email = &name
	}
	given, family, formatted := "", "", ""
	if in.Name != nil {
		given, family, formatted = in.Name.GivenName, in.Name.FamilyName, in.Name.Formatted
	}
	u.GivenName, u.FamilyName = &given, &family
	switch {
	case in.DisplayName != nil:
		u.Name = in.DisplayName
	default:
		u.Name = &formatted
	}
	ext := in.ExternalID
	u.ExternalID = &ext
	if len(in.Active) > 0 {
		active, err := scimBool(in.Active)
		if err != nil {
			return err
		}
		u.Active = &active
	}
	return s.scimUpdate(w, r, id, u)
}

func (s *Server) scimUpdate(w http.ResponseWriter, r *http.Request, id int64, u models.ProvisionUpdate) error {
	res, err := s.provisioner().UpdateProvisioned(r.Context(), ActorFrom(r.Context()), id, u)
	if err != nil {
		return err
	}
	s.deliverAll(r, res.Mails)
	return s.scimUserAnswer(w, r, http.StatusOK, id)
}

// scimPatch is a PatchOp request.
type scimPatch struct {
	Operations []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

// SCIMPatchUser applies add, replace and remove operations, with or without
// a path, in the shapes Okta and Microsoft Entra send.
func (s *Server) SCIMPatchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	var p scimPatch
	if err := decodeSCIM(r, &p); err != nil {
		return err
	}
	if len(p.Operations) == 0 {
		return &scimBad{"invalidValue", "Operations is empty"}
	}
	var u models.ProvisionUpdate
	for _, op := range p.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace":
			if op.Path == "" {
				var fields map[string]json.RawMessage
				if err := json.Unmarshal(op.Value, &fields); err != nil {
					return &scimBad{"invalidValue", "a patch without a path needs an object value"}
				}
				for k, v := range fields {
					if err := setUserAttr(&u, k, v); err != nil {
						return err
					}
				}
				continue
			}
			if err := setUserAttr(&u, op.Path, op.Value); err != nil {
				return err
			}
		case "remove":
			switch strings.ToLower(op.Path) {
			case "externalid":
				var none *string
				u.ExternalID = &none
			case "":
				return &scimBad{"noTarget", "remove needs a path"}
			default:
				return &scimBad{"mutability", "this attribute cannot be removed: " + op.Path}
			}
		default:
			return &scimBad{"invalidValue", "unknown operation " + op.Op}
		}
	}
	return s.scimUpdate(w, r, id, u)
}

// setUserAttr applies one attribute of a user PATCH.
func setUserAttr(u *models.ProvisionUpdate, path string, raw json.RawMessage) error {
	str := func() (*string, error) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, &scimBad{"invalidValue", path + " must be a string"}
		}
		return &v, nil
	}
	var err error
	p, perr := filter.ParsePath([]byte(path))
	if perr != nil {
		return &scimBad{"invalidPath", "cannot read the path " + path}
	}
	if p.AttributePath.URIPrefix != nil && !strings.EqualFold(p.AttributePath.URI(), scimUserSchema) {
		if strings.EqualFold(p.AttributePath.URI(), scimSeatSchema) {
			return &scimBad{"mutability", "seatType and seatStatus are read-only; Admins change them in Seatdesk"}
		}
		return &scimBad{"invalidPath", "unknown schema in " + path}
	}
	name := strings.ToLower(p.AttributePath.AttributeName)
	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	if p.SubAttribute != nil {
		name += "." + strings.ToLower(*p.SubAttribute)
	}
	switch name {
	case "active":
		b, err := scimBool(raw)
		if err != nil {
			return err
		}
		u.Active = &b
	case "username":
		u.Email, err = str()
	case "displayname", "name.formatted":
		u.Name, err = str()
	case "name.givenname":
		u.GivenName, err = str()
	case "name.familyname":
		u.FamilyName, err = str()
	case "externalid":
		var v *string
		v, err = str()
		u.ExternalID = &v
	case "name":
		var n scimName
		if json.Unmarshal(raw, &n) != nil {
			return &scimBad{"invalidValue", "name must be an object"}
		}
		if n.GivenName != "" {
			u.GivenName = &n.GivenName
		}
		if n.FamilyName != "" {
			u.FamilyName = &n.FamilyName
		}
		if n.Formatted != "" {
			u.Name = &n.Formatted
		}
	case "emails", "emails.value":
		// emails[type eq "work"].value, emails.value, or the emails list:
		// Seatdesk keeps one email, the userName.
		var list []scimEmail
		if json.Unmarshal(raw, &list) == nil {
			for _, e := range list {
				if e.Primary || len(list) == 1 {
					v := e.Value
					u.Email = &v
				}
			}
			return nil
		}
		u.Email, err = str()
	case "groups":
		return &scimBad{"mutability", "groups are read-only on a User; change the Group"}
	default:
		return &scimBad{"invalidPath", "unknown attribute " + path}
	}
	return err
}

// SCIMDeleteUser removes the member (sessions ended, seat released).
func (s *Server) SCIMDeleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	if err := s.provisioner().Deprovision(r.Context(), ActorFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- Groups ----

type scimMemberRef struct {
	Value string `json:"value"`
}

type scimGroupIn struct {
	DisplayName *string         `json:"displayName"`
	ExternalID  *string         `json:"externalId"`
	Members     []scimMemberRef `json:"members"`
}

func memberIDs(refs []scimMemberRef) ([]int64, error) {
	out := make([]int64, 0, len(refs))
	for _, m := range refs {
		id, err := strconv.ParseInt(m.Value, 10, 64)
		if err != nil || id < 1 {
			return nil, &scimBad{"invalidValue", "unknown member " + m.Value}
		}
		out = append(out, id)
	}
	return out, nil
}

func (s *Server) scimGroup(g models.SCIMGroup) map[string]any {
	id := strconv.FormatInt(g.ID, 10)
	members := []any{}
	for _, m := range g.Members {
		mid := strconv.FormatInt(m.ID, 10)
		members = append(members, map[string]any{"value": mid, "display": m.Display, "$ref": s.scimBase() + "/Users/" + mid})
	}
	res := map[string]any{"schemas": []string{scimGroupSchema}, "id": id, "displayName": g.DisplayName, "members": members,
		"meta": scimMeta("Group", s.scimBase()+"/Groups/"+id, g.CreatedAt, g.UpdatedAt)}
	if g.ExternalID != nil {
		res["externalId"] = *g.ExternalID
	}
	return res
}

func (s *Server) scimGroupAnswer(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	g, err := models.SCIMGroupByID(r.Context(), s.DB, ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", s.scimBase()+"/Groups/"+strconv.FormatInt(id, 10))
	}
	return s.scimJSON(w, status, projectFrom(r, s.scimGroup(g)))
}

// SCIMGroups lists groups; members are left out when excluded (large groups).
func (s *Server) SCIMGroups(w http.ResponseWriter, r *http.Request) error {
	q, err := scimQuery(r)
	if err != nil {
		return err
	}
	withMembers := !projectionExcludes(r, "members")
	groups, total, err := models.SCIMGroups(r.Context(), s.DB, ActorFrom(r.Context()), q, withMembers)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(groups))
	for i, g := range groups {
		out[i] = s.scimGroup(g)
	}
	return s.scimList(w, r, q, total, out)
}

// SCIMGroup is one group with its members.
func (s *Server) SCIMGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	return s.scimGroupAnswer(w, r, http.StatusOK, id)
}

// SCIMCreateGroup adds a group.
func (s *Server) SCIMCreateGroup(w http.ResponseWriter, r *http.Request) error {
	var in scimGroupIn
	if err := decodeSCIM(r, &in); err != nil {
		return err
	}
	ids, err := memberIDs(in.Members)
	if err != nil {
		return err
	}
	id, err := models.CreateGroup(r.Context(), s.DB, ActorFrom(r.Context()), models.GroupChange{DisplayName: in.DisplayName,
		ExternalID: &in.ExternalID, Members: &ids})
	if err != nil {
		return err
	}
	return s.scimGroupAnswer(w, r, http.StatusCreated, id)
}

// SCIMReplaceGroup is PUT: name, externalId and members as sent.
func (s *Server) SCIMReplaceGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	var in scimGroupIn
	if err := decodeSCIM(r, &in); err != nil {
		return err
	}
	ids, err := memberIDs(in.Members)
	if err != nil {
		return err
	}
	err = models.ChangeGroup(r.Context(), s.DB, ActorFrom(r.Context()), id, models.GroupChange{DisplayName: in.DisplayName,
		ExternalID: &in.ExternalID, Members: &ids})
	if err != nil {
		return err
	}
	return s.scimGroupAnswer(w, r, http.StatusOK, id)
}

// SCIMPatchGroup renames a group and adds or removes members, including
// members[value eq "…"] paths and Entra's removal with a value list.
func (s *Server) SCIMPatchGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	var p scimPatch
	if err := decodeSCIM(r, &p); err != nil {
		return err
	}
	if len(p.Operations) == 0 {
		return &scimBad{"invalidValue", "Operations is empty"}
	}
	var c models.GroupChange
	for _, op := range p.Operations {
		verb := strings.ToLower(op.Op)
		if verb != "add" && verb != "replace" && verb != "remove" {
			return &scimBad{"invalidValue", "unknown operation " + op.Op}
		}
		if op.Path == "" {
			if verb == "remove" {
				return &scimBad{"noTarget", "remove needs a path"}
			}
			var in scimGroupIn
			if err := json.Unmarshal(op.Value, &in); err != nil {
				return &scimBad{"invalidValue", "a patch without a path needs an object value"}
			}
			if in.DisplayName != nil {
				c.DisplayName = in.DisplayName
			}
			if in.ExternalID != nil {
				ext := in.ExternalID
				c.ExternalID = &ext
			}
			if in.Members != nil {
				ids, err := memberIDs(in.Members)
				if err != nil {
					return err
				}
				if verb == "replace" {
					c.Members = &ids
				} else {
					c.Add = append(c.Add, ids...)
				}
			}
			continue
		}
		path, err := filter.ParsePath([]byte(op.Path))
		if err != nil {
			return &scimBad{"invalidPath", "cannot read the path " + op.Path}
		}
		switch strings.ToLower(path.AttributePath.AttributeName) {
		case "displayname":
			if verb == "remove" {
				return &scimBad{"mutability", "displayName is required"}
			}
			var v string
			if json.Unmarshal(op.Value, &v) != nil {
				return &scimBad{"invalidValue", "displayName must be a string"}
			}
			c.DisplayName = &v
		case "externalid":
			var v *string
			if verb != "remove" {
				if json.Unmarshal(op.Value, &v) != nil {
					return &scimBad{"invalidValue", "externalId must be a string"}
				}
			}
			c.ExternalID = &v
		case "members":
			if err := patchMembers(&c, verb, path, op.Value); err != nil {
				return err
			}
		default:
			return &scimBad{"invalidPath", "unknown attribute " + op.Path}
		}
	}
	if err := models.ChangeGroup(r.Context(), s.DB, ActorFrom(r.Context()), id, c); err != nil {
		return err
	}
	if r.URL.Query().Get("attributes") == "" {
		// RFC 7644 §3.5.2 allows 204; Okta and Entra ignore the body of a
		// PATCH, and it spares reading every member of a large group.
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return s.scimGroupAnswer(w, r, http.StatusOK, id)
}

// patchMembers applies one operation on a group's members.
func patchMembers(c *models.GroupChange, verb string, path filter.Path, raw json.RawMessage) error {
	var refs []scimMemberRef
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &refs); err != nil {
			var one scimMemberRef
			if json.Unmarshal(raw, &one) != nil {
				return &scimBad{"invalidValue", "members must be a list of {\"value\": id}"}
			}
			refs = []scimMemberRef{one}
		}
	}
	ids, err := memberIDs(refs)
	if err != nil {
		return err
	}
	if path.ValueExpression != nil { // members[value eq "…"]
		if verb != "remove" {
			return &scimBad{"invalidPath", "a filtered members path is for remove only"}
		}
		e, ok := path.ValueExpression.(*filter.AttributeExpression)
		if !ok || !strings.EqualFold(e.AttributePath.AttributeName, "value") || e.Operator != filter.EQ {
			return &scimBad{"invalidFilter", "members paths filter on value eq"}
		}
		v, _ := e.CompareValue.(string)
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			c.Remove = append(c.Remove, id)
		}
		return nil
	}
	switch verb {
	case "add":
		c.Add = append(c.Add, ids...)
	case "replace":
		c.Members = &ids
	case "remove":
		if len(ids) == 0 {
			none := []int64{}
			c.Members = &none // remove every member
			return nil
		}
		c.Remove = append(c.Remove, ids...)
	}
	return nil
}

// SCIMDeleteGroup removes a group; its members stay.
func (s *Server) SCIMDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := scimID(r)
	if err != nil {
		return err
	}
	if err := models.DeleteGroup(r.Context(), s.DB, ActorFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- attributes and excludedAttributes (RFC 7644 §3.4.2.5) ----

// projectFrom keeps the attributes asked for, or drops those excluded; id
// and schemas always stay.
func projectFrom(r *http.Request, res map[string]any) map[string]any {
	q := r.URL.Query()
	if attrs := splitAttrs(q.Get("attributes")); len(attrs) > 0 {
		out := map[string]any{"schemas": res["schemas"], "id": res["id"]}
		for _, a := range attrs {
			top, sub := attrKey(res, a)
			v, ok := res[top]
			if !ok {
				continue
			}
			if sub == "" {
				out[top] = v
				continue
			}
			if m, ok := v.(map[string]any); ok {
				dst, _ := out[top].(map[string]any)
				if dst == nil {
					dst = map[string]any{}
				}
				for k, x := range m {
					if strings.EqualFold(k, sub) {
						dst[k] = x
					}
				}
				out[top] = dst
			}
		}
		return out
	}
	for _, a := range splitAttrs(q.Get("excludedAttributes")) {
		top, sub := attrKey(res, a)
		if top == "id" || top == "schemas" {
			continue
		}
		if sub == "" {
			delete(res, top)
			continue
		}
		if m, ok := res[top].(map[string]any); ok {
			for k := range m {
				if strings.EqualFold(k, sub) {
					delete(m, k)
				}
			}
		}
	}
	return res
}

func projectionExcludes(r *http.Request, attr string) bool {
	for _, a := range splitAttrs(r.URL.Query().Get("excludedAttributes")) {
		if strings.EqualFold(a, attr) {
			return true
		}
	}
	return false
}

func splitAttrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// attrKey resolves an attribute name (case-insensitive, with or without its
// schema URN) to the resource's key and an optional sub-attribute.
func attrKey(res map[string]any, attr string) (string, string) {
	for _, urn := range []string{scimUserSchema, scimGroupSchema} {
		if len(attr) > len(urn) && strings.EqualFold(attr[:len(urn)+1], urn+":") {
			attr = attr[len(urn)+1:]
		}
	}
	if len(attr) > len(scimSeatSchema) && strings.EqualFold(attr[:len(scimSeatSchema)], scimSeatSchema) {
		return scimSeatSchema, strings.TrimPrefix(attr[len(scimSeatSchema):], ":")
	}
	top, sub, _ := strings.Cut(attr, ".")
	for k := range res {
		if strings.EqualFold(k, top) {
			return k, sub
		}
	}
	return top, sub
}
