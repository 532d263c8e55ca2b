package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/seatdesk/seatdesk/models"
)

const (
	sessionCookie = "seatdesk_session"
	sessionUserID = "user_id"
	sessionMaxAge = 12 * 60 * 60 // seconds: one working day
)

// SessionStore is a gorilla/sessions store that keeps sessions in the database.
// The cookie carries only the signed session id; the row records the user id,
// so that every session of a user can be revoked at once, and any instance
// can serve any request.
type SessionStore struct {
	db      *gorm.DB
	clock   models.Clock
	codecs  []securecookie.Codec
	options sessions.Options
}

// NewSessionStore builds a store signing with key (at least 32 bytes).
func NewSessionStore(db *gorm.DB, clock models.Clock, key []byte, secure bool) *SessionStore {
	codec := securecookie.New(key, nil)
	codec.MaxAge(sessionMaxAge)
	return &SessionStore{db: db, clock: clock, codecs: []securecookie.Codec{codec}, options: sessions.Options{
		Path: "/", MaxAge: sessionMaxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}}
}

// Get returns the request's session, cached for the request.
func (s *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or starts an empty one.
func (s *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil // a forged or expired cookie is no session
	}
	var row models.Session
	err = s.db.WithContext(r.Context()).Where("id = ? AND expires_at > ?", id, s.clock.Now()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sess, nil // revoked or expired
	}
	if err != nil {
		return sess, fmt.Errorf("load session: %w", err)
	}
	if err := securecookie.DecodeMulti(name, row.Data, &sess.Values, s.codecs...); err != nil {
		return sess, nil
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save writes the session row and the cookie; MaxAge < 0 deletes both.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.db.WithContext(ctx).Delete(&models.Session{}, "id = ?", sess.ID).Error; err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if sess.ID == "" {
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return err
		}
		sess.ID = base64.RawURLEncoding.EncodeToString(buf)
	}
	data, err := securecookie.EncodeMulti(sess.Name(), sess.Values, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	row := models.Session{ID: sess.ID, Data: data, ExpiresAt: s.clock.Now().Add(time.Duration(sess.Options.MaxAge) * time.Second)}
	if uid, ok := sess.Values[sessionUserID].(int64); ok {
		row.UserID = &uid
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"user_id", "data", "expires_at", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	cookie, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), cookie, sess.Options))
	return nil
}

// signIn rotates the session id (the old row is deleted) and binds the
// session to the user.
func (s *SessionStore) signIn(w http.ResponseWriter, r *http.Request, userID int64) error {
	sess, err := s.Get(r, sessionCookie)
	if err != nil {
		return err
	}
	if sess.ID != "" {
		if err := s.db.WithContext(r.Context()).Delete(&models.Session{}, "id = ?", sess.ID).Error; err != nil {
			return fmt.Errorf("rotate session: %w", err)
		}
	}
	if err := s.db.WithContext(r.Context()).Delete(&models.Session{}, "expires_at < ?", s.clock.Now()).Error; err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	sess.ID = ""
	sess.Values = map[any]any{sessionUserID: userID}
	return sess.Save(r, w)
}

// signOut deletes the session.
func (s *SessionStore) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Get(r, sessionCookie)
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	return sess.Save(r, w)
}

// sessionID is the id the request's session cookie carries; "" when there
// is none, or it is forged or expired.
func (s *SessionStore) sessionID(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	var id string
	if err := securecookie.DecodeMulti(sessionCookie, c.Value, &id, s.codecs...); err != nil {
		return ""
	}
	return id
}

// actor loads the signed-in user and their membership of the organization
// slug in one statement (models.SessionActor); user nil when signed out.
func (s *SessionStore) actor(r *http.Request, slug string) (*models.User, models.Actor, error) {
	id := s.sessionID(r)
	if id == "" {
		return nil, models.Actor{}, nil
	}
	return models.SessionActor(r.Context(), s.db, id, s.clock.Now(), slug)
}

// user loads the signed-in user with their session in one statement; nil
// when signed out, the session expired or revoked, or the user gone.
func (s *SessionStore) user(r *http.Request) (*models.User, error) {
	id := s.sessionID(r)
	if id == "" {
		return nil, nil
	}
	var users []models.User
	err := s.db.WithContext(r.Context()).Table("users").Select("users.*").
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.id = ? AND sessions.expires_at > ?", id, s.clock.Now()).Limit(1).Scan(&users).Error
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if len(users) == 0 {
		return nil, nil
	}
	return &users[0], nil
}

// addFlashes keeps messages for the next page in the request's session
// (flash.go). Only the session's data changes: not its expiry, nor the
// cookie.
func (s *SessionStore) addFlashes(r *http.Request, values []string) error {
	sess, err := s.Get(r, sessionCookie)
	if err != nil {
		return err
	}
	if sess.ID == "" || len(values) == 0 {
		return nil // no session (signed out meanwhile): nowhere to keep them
	}
	for _, v := range values {
		sess.AddFlash(v)
	}
	// Posts whose redirect is never followed (a script, a closed tab) must
	// not grow the session without end: the last maxFlashes messages stay.
	if kept, ok := sess.Values[flashesKey].([]any); ok && len(kept) > maxFlashes {
		sess.Values[flashesKey] = kept[len(kept)-maxFlashes:]
	}
	return s.saveData(r, sess)
}

const (
	flashesKey = "_flash" // where gorilla/sessions keeps flashes
	maxFlashes = 5
)

// takeFlashes returns the messages kept in the request's session and
// removes them.
func (s *SessionStore) takeFlashes(r *http.Request) ([]string, error) {
	sess, err := s.Get(r, sessionCookie)
	if err != nil || sess.ID == "" {
		return nil, err
	}
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(flashes))
	for _, f := range flashes {
		if v, ok := f.(string); ok {
			out = append(out, v)
		}
	}
	return out, s.saveData(r, sess)
}

// saveData writes the session's values to its row.
func (s *SessionStore) saveData(r *http.Request, sess *sessions.Session) error {
	data, err := securecookie.EncodeMulti(sess.Name(), sess.Values, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	err = s.db.WithContext(r.Context()).Model(&models.Session{}).Where("id = ?", sess.ID).
		Updates(map[string]any{"data": data, "updated_at": s.clock.Now()}).Error
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}
