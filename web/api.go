package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/seatdesk/seatdesk/models"
)

// The access API (R-ACCESS-1): the product's services ask whether a user may
// use chat, Claude Code and Cowork. Bearer service tokens (seatdesk
// api-token), JSON answers and JSON errors {"code", "message"}; described by
// the OpenAPI 3.1 document openapi.json, served at /api/v1/openapi.json.

//go:embed openapi.json
var openAPIDocument []byte

const apiMaxBody = 1 << 20 // 1,000 emails of 254 characters fit with room to spare

// serviceToken authenticates the bearer token of an access API request.
func (s *Server) serviceToken(r *http.Request) (models.APIToken, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return models.APIToken{}, errUnauthorized
	}
	tok, err := models.ServiceToken(r.Context(), s.DB, s.Clock, strings.TrimSpace(token))
	if errors.Is(err, models.ErrNotFound) {
		return models.APIToken{}, errUnauthorized
	}
	return tok, err
}

// accessJSON is the answer for one email.
type accessJSON struct {
	Org        string  `json:"org"`
	Email      string  `json:"email"`
	Status     string  `json:"status"`
	SeatType   *string `json:"seat_type"`
	Chat       bool    `json:"chat"`
	ClaudeCode bool    `json:"claude_code"`
	Cowork     bool    `json:"cowork"`
	PlanActive bool    `json:"plan_active"`
}

func accessOut(ans models.AccessAnswer, a models.Access) accessJSON {
	out := accessJSON{Org: ans.Org, Email: a.Email, Status: string(a.Status), Chat: a.Chat, ClaudeCode: a.ClaudeCode,
		Cowork: a.Cowork, PlanActive: ans.PlanActive}
	if a.SeatType != "" {
		st := a.SeatType
		out.SeatType = &st
	}
	return out
}

// AccessCheck answers GET /api/v1/access?org=SLUG&email=EMAIL.
func (s *Server) AccessCheck(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ans, err := models.CheckAccess(r.Context(), s.DB, s.Clock, models.AccessQuery{Org: q.Get("org"), Emails: []string{q.Get("email")}})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "application/json", accessOut(ans, ans.Results[0]))
}

// accessBatchIn is the body of POST /api/v1/access.
type accessBatchIn struct {
	Org    string   `json:"org"`
	Emails []string `json:"emails"`
}

// AccessBatch answers POST /api/v1/access for up to 1,000 emails, in the
// order asked.
func (s *Server) AccessBatch(w http.ResponseWriter, r *http.Request) error {
	var in accessBatchIn
	dec := json.NewDecoder(io.LimitReader(r.Body, apiMaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return models.Invalidf("", "access.body.invalid", nil)
	}
	ans, err := models.CheckAccess(r.Context(), s.DB, s.Clock, models.AccessQuery{Org: in.Org, Emails: in.Emails})
	if err != nil {
		return err
	}
	out := struct {
		Org        string       `json:"org"`
		PlanActive bool         `json:"plan_active"`
		Results    []accessJSON `json:"results"`
	}{Org: ans.Org, PlanActive: ans.PlanActive, Results: make([]accessJSON, len(ans.Results))}
	for i, a := range ans.Results {
		out.Results[i] = accessOut(ans, a)
	}
	return writeJSON(w, http.StatusOK, "application/json", out)
}

// OpenAPI serves the access API's OpenAPI 3.1 document.
func (s *Server) OpenAPI(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, "application/json", json.RawMessage(openAPIDocument))
}
