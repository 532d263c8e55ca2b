package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
)

// argon2id parameters (RFC 9106's second recommended option).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NormalizeEmail trims and lower-cases an address: emails are unique without
// regard to case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Login throttling: at most this many failures per window, per account and per
// client address. Counted in the database so that every instance agrees.
const (
	LoginWindow           = 15 * time.Minute
	MaxFailuresPerAccount = 5
	MaxFailuresPerAddress = 20
)

// ErrBadCredentials is a wrong email or password; the message never says which.
var ErrBadCredentials = Invalidf("", "auth.login.bad_credentials", nil)

// dummyHash is checked when the email is unknown so that a wrong email and a
// wrong password take the same time.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c2VhdGRlc2tzZWF0ZGVzaw$M0qEvvpko2nbdIY1y+NsUrw4HxiEeKqjwOsnTNgq2pw"

// Authenticate checks an email and password, enforcing the login rate limits.
func Authenticate(ctx context.Context, db *gorm.DB, clock Clock, email, password, clientAddr string) (User, error) {
	email = NormalizeEmail(email)
	now := clock.Now().UTC()
	since := now.Add(-LoginWindow)
	keys := []struct {
		key   string
		limit int
	}{{"account:" + email, MaxFailuresPerAccount}, {"addr:" + clientAddr, MaxFailuresPerAddress}}
	for _, k := range keys {
		var n int64
		if err := db.WithContext(ctx).Model(&LoginFailure{}).Where("scope = ? AND created_at > ?", k.key, since).Count(&n).Error; err != nil {
			return User{}, fmt.Errorf("count login failures: %w", err)
		}
		if n >= int64(k.limit) {
			return User{}, &Throttled{RetryAfterMinutes: int(LoginWindow / time.Minute)}
		}
	}
	var u User
	err := db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	if err == nil && CheckPassword(u.PasswordHash, password) {
		return u, nil
	}
	if err != nil {
		CheckPassword(dummyHash, password)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("created_at < ?", since).Delete(&LoginFailure{}).Error; err != nil {
			return err
		}
		return tx.Create([]LoginFailure{{Scope: keys[0].key, CreatedAt: now}, {Scope: keys[1].key, CreatedAt: now}}).Error
	})
	if err != nil {
		return User{}, fmt.Errorf("record login failure: %w", err)
	}
	return User{}, ErrBadCredentials
}

// UserByID loads a user; ErrNotFound when gone.
func UserByID(ctx context.Context, db *gorm.DB, id int64) (User, error) {
	var u User
	err := db.WithContext(ctx).Take(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrNotFound
	}
	return u, err
}

// SetUserLang remembers the interface language a user signed in with, so that
// the emails Seatdesk sends them (the Owners' wait-list email) are in it.
func SetUserLang(ctx context.Context, db *gorm.DB, userID int64, lang string) error {
	err := db.WithContext(ctx).Model(&User{}).Where("id = ? AND lang <> ?", userID, lang).Update("lang", lang).Error
	if err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

// RevokeSessions ends every session of a user at once, inside tx (used when a
// member is removed, R-INV-3).
func RevokeSessions(tx *gorm.DB, userID int64) error {
	if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}
