package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	if err1 != nil || err2 != nil || len(want) != argonKeyLen {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, argonKeyLen)
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

// MaxEmailLength is the longest address a sign-in form may carry (the users
// column holds 320); longer ones are wrong credentials, still counted.
const MaxEmailLength = 320

// ErrBadCredentials is a wrong email or password; the message never says which.
var ErrBadCredentials = Invalidf("", "auth.login.bad_credentials", nil)

// dummyHash is checked when the email is unknown so that a wrong email and a
// wrong password take the same time.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c2VhdGRlc2tzZWF0ZGVzaw$M0qEvvpko2nbdIY1y+NsUrw4HxiEeKqjwOsnTNgq2pw"

// Hasher computes argon2id hashes through a bounded pool: each hash holds
// 64 MiB, so a burst of sign-ins must queue, not multiply the memory. A
// request waits at most Wait for a slot, then gets *Busy (429). Built once in
// run() and passed down; it has no other state.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration
	// OnHash, when set, is called once per hash computed (tests count them).
	OnHash func()
}

// DefaultHashSlots is how many hashes run at once in a server: 2 × 64 MiB.
const DefaultHashSlots = 2

// NewHasher returns a pool of n hashing slots; a request waits up to wait.
func NewHasher(n int, wait time.Duration) *Hasher {
	if n < 1 {
		n = 1
	}
	return &Hasher{slots: make(chan struct{}, n), wait: wait}
}

// Busy says that every hashing slot stayed taken: try again in a moment.
type Busy struct{ RetryAfterSeconds int }

func (e *Busy) Error() string { return "password hashing is busy" }

func (h *Hasher) acquire(ctx context.Context) error {
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		if h.OnHash != nil {
			h.OnHash()
		}
		return nil
	case <-t.C:
		return &Busy{RetryAfterSeconds: 1 + int(h.wait/time.Second)}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash is HashPassword through the pool.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return HashPassword(password)
}

// Check is CheckPassword through the pool.
func (h *Hasher) Check(ctx context.Context, hash, password string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return CheckPassword(hash, password), nil
}

// attempt is one password check, counted before the hash is computed.
type attempt struct {
	db  *gorm.DB
	ids []int64
}

// beginAttempt records a password check against the account and the client
// address, then counts the checks of the window: the rows are committed
// before they are counted, so of any number of parallel checks (on any
// instance) only the first few by insertion can see a count within the
// limit. The others get *Throttled and their rows are removed again (a
// blocked attempt does not extend the lock).
func beginAttempt(ctx context.Context, db *gorm.DB, clock Clock, email, clientAddr string) (*attempt, error) {
	now := clock.Now().UTC()
	since := now.Add(-LoginWindow)
	sum := sha256.Sum256([]byte(NormalizeEmail(email)))
	rows := []LoginFailure{{Scope: "account:" + hex.EncodeToString(sum[:]), CreatedAt: now}, {Scope: "addr:" + clientAddr, CreatedAt: now}}
	if len(rows[1].Scope) > 100 { // an address is an IP; anything else is kept short
		a := sha256.Sum256([]byte(clientAddr))
		rows[1].Scope = "addr:" + hex.EncodeToString(a[:])
	}
	if err := db.WithContext(ctx).Create(&rows).Error; err != nil {
		return nil, fmt.Errorf("record sign-in attempt: %w", err)
	}
	a := &attempt{db: db, ids: []int64{rows[0].ID, rows[1].ID}}
	for i, limit := range []int{MaxFailuresPerAccount, MaxFailuresPerAddress} {
		var n int64
		if err := db.WithContext(ctx).Model(&LoginFailure{}).Where("scope = ? AND created_at > ?", rows[i].Scope, since).Count(&n).Error; err != nil {
			a.cancel(ctx)
			return nil, fmt.Errorf("count sign-in attempts: %w", err)
		}
		if n > int64(limit) {
			a.cancel(ctx)
			return nil, &Throttled{RetryAfterMinutes: int(LoginWindow / time.Minute)}
		}
	}
	return a, nil
}

// cancel removes the attempt: it succeeded, was throttled or never hashed.
func (a *attempt) cancel(ctx context.Context) {
	// Without the caller's context: a cancelled request must not leave its
	// rows behind (they would count as failures).
	_ = a.db.WithContext(context.WithoutCancel(ctx)).Delete(&LoginFailure{}, a.ids).Error
}

// failed keeps the attempt as a failure and drops those past the window.
func (a *attempt) failed(ctx context.Context, clock Clock) error {
	since := clock.Now().UTC().Add(-LoginWindow)
	if err := a.db.WithContext(ctx).Where("created_at < ?", since).Delete(&LoginFailure{}).Error; err != nil {
		return fmt.Errorf("prune sign-in attempts: %w", err)
	}
	return nil
}

// checkPassword checks a password against a stored hash (or the dummy one
// when hash is empty) under the sign-in throttle and through the hashing
// pool: the attempt is counted before anything is hashed. It returns
// *Throttled, *Busy, or whether the password matched.
func checkPassword(ctx context.Context, db *gorm.DB, clock Clock, h *Hasher, email, hash, password, clientAddr string) (bool, error) {
	a, err := beginAttempt(ctx, db, clock, email, clientAddr)
	if err != nil {
		return false, err
	}
	known := hash != ""
	if !known {
		hash = dummyHash
	}
	ok, err := h.Check(ctx, hash, password)
	if err != nil {
		a.cancel(ctx)
		return false, err
	}
	if ok && known {
		a.cancel(ctx) // a success is not a failure
		return true, nil
	}
	return false, a.failed(ctx, clock)
}

// Authenticate checks an email and password, enforcing the login rate limits.
func Authenticate(ctx context.Context, db *gorm.DB, clock Clock, h *Hasher, email, password, clientAddr string) (User, error) {
	email = NormalizeEmail(email)
	var u User
	if len(email) <= MaxEmailLength && utf8.ValidString(email) && !strings.ContainsRune(email, 0) {
		err := db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return User{}, fmt.Errorf("find user: %w", err)
		}
	}
	ok, err := checkPassword(ctx, db, clock, h, email, u.PasswordHash, password, clientAddr)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// acceptProof is what AcceptInvitation learns before its transaction, so
// that no hash is computed while the organization is locked: the existing
// account whose password was checked (under the sign-in throttle), or the
// hash of a new account's password.
type acceptProof struct {
	userID int64
	hash   string
}

// proveAcceptance checks the password of the invited address's account, or
// validates and hashes a new account's, through the throttle and the pool.
// An unknown, closed or expired invitation proves nothing: the transaction
// answers for it.
func proveAcceptance(ctx context.Context, db *gorm.DB, clock Clock, h *Hasher, token, name, password, clientAddr string) (acceptProof, error) {
	var inv Invitation
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return acceptProof{}, ErrNotFound
	}
	if err != nil {
		return acceptProof{}, err
	}
	if inv.Status != InvitePending || !clock.Now().Before(inv.ExpiresAt) {
		return acceptProof{}, nil
	}
	var u User
	err = db.WithContext(ctx).Where("email = ?", inv.Email).Take(&u).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		if err := validateNewAccount(name, password); err != nil {
			return acceptProof{}, err
		}
		hash, err := h.Hash(ctx, password)
		return acceptProof{hash: hash}, err
	case err != nil:
		return acceptProof{}, err
	}
	ok, err := checkPassword(ctx, db, clock, h, u.Email, u.PasswordHash, password, clientAddr)
	if err != nil {
		return acceptProof{}, err
	}
	if !ok {
		return acceptProof{}, Invalidf("password", "invite.accept.wrong_password", nil)
	}
	return acceptProof{userID: u.ID}, nil
}

func validateNewAccount(name, password string) error {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Invalidf("name", "invite.accept.name", nil)
	}
	if utf8.RuneCountInString(password) < MinPasswordLength || len(password) > 1024 {
		return Invalidf("password", "invite.accept.password", map[string]any{"Min": MinPasswordLength})
	}
	return nil
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
