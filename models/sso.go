package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Single sign-on with OpenID Connect (R-PROV-1): an organization's identity
// provider, the email domains that lead to it, the people it vouches for
// (linked by issuer and subject), and the short-lived state of each sign-in.

// SSOConfig is an organization's OpenID Connect identity provider.
type SSOConfig struct {
	OrgID           int64  `gorm:"primaryKey;autoIncrement:false"`
	Issuer          string `gorm:"size:500;not null"`
	ClientID        string `gorm:"size:255;not null"`
	ClientSecretEnc string `gorm:"type:text;not null"` // sealed with the secret key (AES-256-GCM)
	RequireSSO      bool   `gorm:"not null;default:false"`
	GroupsClaim     string `gorm:"size:100;not null;default:groups"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// SSODomain sends the people of an email domain to one organization's
// identity provider; a domain belongs to one organization only.
type SSODomain struct {
	Domain string `gorm:"primaryKey;size:253"`
	OrgID  int64  `gorm:"not null;index"`
}

// SSOIdentity links a person to an identity provider's subject.
type SSOIdentity struct {
	ID        int64  `gorm:"primaryKey"`
	Issuer    string `gorm:"size:500;not null;uniqueIndex:idx_sso_identities_issuer_subject,priority:1"`
	Subject   string `gorm:"size:255;not null;uniqueIndex:idx_sso_identities_issuer_subject,priority:2"`
	UserID    int64  `gorm:"not null;index"`
	CreatedAt time.Time
}

// SSOLogin is one sign-in on its way through the identity provider: single
// use and short-lived. Only the state's hash is stored.
type SSOLogin struct {
	StateHash string    `gorm:"primaryKey;size:64"`
	OrgID     int64     `gorm:"not null"`
	Nonce     string    `gorm:"size:64;not null"`
	Verifier  string    `gorm:"size:128;not null"` // PKCE code verifier
	Next      string    `gorm:"size:500;not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
	CreatedAt time.Time
}

// MemberRemoval remembers that a person was removed from an organization,
// so that single sign-on does not bring them back on its own; an invitation
// or the identity provider's SCIM provisioning lets them in again.
type MemberRemoval struct {
	OrgID     int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	RemovedAt time.Time
}

// SSOLoginTTL is how long a sign-in may take at the identity provider.
const SSOLoginTTL = 10 * time.Minute

// Sealer encrypts secrets kept in the database (client secrets) with
// AES-256-GCM.
type Sealer struct{ aead cipher.AEAD }

// NewSealer builds a Sealer from a 32-byte key.
func NewSealer(key []byte) (Sealer, error) {
	if len(key) != 32 {
		return Sealer{}, fmt.Errorf("the secret key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return Sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	return Sealer{aead: aead}, err
}

// Seal encrypts a secret; the nonce travels with it.
func (s Sealer) Seal(plain string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// Open decrypts a sealed secret.
func (s Sealer) Open(sealed string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("sealed secret is malformed")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("sealed secret does not open with this key")
	}
	return string(plain), nil
}

// SecretKeySetting names the stored key that seals secrets when
// SEATDESK_SECRET_KEY is not set.
const SecretKeySetting = "secret_key"

// SSOInput is the Single sign-on form.
type SSOInput struct {
	Issuer       string
	ClientID     string
	ClientSecret string // "" keeps the stored one
	Domains      string // comma- or space-separated
	RequireSSO   bool
	GroupsClaim  string
}

// SSOSettings is an organization's single sign-on as the page shows it.
type SSOSettings struct {
	Configured  bool
	Issuer      string
	ClientID    string
	HasSecret   bool
	Domains     []string
	RequireSSO  bool
	GroupsClaim string
}

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// ParseDomains reads a list of email domains.
func ParseDomains(raw string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, d := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		d = strings.TrimPrefix(strings.TrimSpace(d), "@")
		if len(d) > 253 || !domainPattern.MatchString(d) {
			return nil, Invalidf("domains", "sso.domain_invalid", map[string]any{"Domain": d})
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, Invalidf("domains", "sso.domains_required", nil)
	}
	sort.Strings(out)
	return out, nil
}

// ValidateIssuer checks an issuer URL: https, or http on this machine only
// (for development and tests).
func ValidateIssuer(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(raw) > 500 {
		return "", Invalidf("issuer", "sso.issuer_invalid", nil)
	}
	host := u.Hostname()
	loopback := host == "localhost" || host == "127.0.0.1" || host == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "", Invalidf("issuer", "sso.issuer_https", nil)
	}
	return raw, nil
}

// SaveSSO stores an organization's single sign-on; the client secret is
// sealed and never shown again.
func SaveSSO(ctx context.Context, db *gorm.DB, sealer Sealer, actor Actor, in SSOInput) error {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return err
	}
	issuer, err := ValidateIssuer(in.Issuer)
	if err != nil {
		return err
	}
	clientID := strings.TrimSpace(in.ClientID)
	if clientID == "" || len(clientID) > 255 || !utf8.ValidString(clientID) || strings.ContainsRune(clientID, 0) {
		return Invalidf("client_id", "sso.client_id", nil)
	}
	if len(in.ClientSecret) > 1000 || strings.ContainsRune(in.ClientSecret, 0) {
		return Invalidf("client_secret", "sso.client_secret", nil)
	}
	domains, err := ParseDomains(in.Domains)
	if err != nil {
		return err
	}
	claim := strings.TrimSpace(in.GroupsClaim)
	if claim == "" {
		claim = "groups"
	}
	if len(claim) > 100 || strings.ContainsAny(claim, " \t\r\n\x00") {
		return Invalidf("groups_claim", "sso.groups_claim", nil)
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockOrg(tx, actor.Org.ID); err != nil {
			return err
		}
		var cfg SSOConfig
		err := tx.Where("org_id = ?", actor.Org.ID).Limit(1).Find(&cfg).Error
		if err != nil {
			return err
		}
		before := map[string]any{"issuer": cfg.Issuer, "client_id": cfg.ClientID, "require_sso": cfg.RequireSSO}
		if cfg.OrgID == 0 {
			before = nil
		}
		sealed := cfg.ClientSecretEnc
		if in.ClientSecret != "" {
			if sealed, err = sealer.Seal(in.ClientSecret); err != nil {
				return err
			}
		}
		if sealed == "" {
			return Invalidf("client_secret", "sso.client_secret", nil)
		}
		var taken []SSODomain
		if err := tx.Where("domain IN ? AND org_id <> ?", domains, actor.Org.ID).Find(&taken).Error; err != nil {
			return err
		}
		if len(taken) > 0 {
			return Invalidf("domains", "sso.domain_taken", map[string]any{"Domain": taken[0].Domain})
		}
		cfg = SSOConfig{OrgID: actor.Org.ID, Issuer: issuer, ClientID: clientID, ClientSecretEnc: sealed,
			RequireSSO: in.RequireSSO, GroupsClaim: claim, CreatedAt: cfg.CreatedAt}
		if err := tx.Save(&cfg).Error; err != nil {
			return err
		}
		if err := tx.Where("org_id = ?", actor.Org.ID).Delete(&SSODomain{}).Error; err != nil {
			return err
		}
		rows := make([]SSODomain, len(domains))
		for i, d := range domains {
			rows[i] = SSODomain{Domain: d, OrgID: actor.Org.ID}
		}
		if err := tx.Create(&rows).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return Invalidf("domains", "sso.domain_taken", map[string]any{"Domain": domains[0]})
			}
			return err
		}
		return Audit(tx, actor, "sso.saved", "organization", actor.Org.ID, before, map[string]any{"issuer": issuer,
			"client_id": clientID, "domains": domains, "require_sso": in.RequireSSO, "groups_claim": claim,
			"secret_changed": in.ClientSecret != ""})
	})
}

// LoadSSO reads an organization's single sign-on for the page.
func LoadSSO(ctx context.Context, db *gorm.DB, actor Actor) (SSOSettings, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return SSOSettings{}, err
	}
	var cfg SSOConfig
	if err := db.WithContext(ctx).Where("org_id = ?", actor.Org.ID).Limit(1).Find(&cfg).Error; err != nil {
		return SSOSettings{}, err
	}
	out := SSOSettings{GroupsClaim: "groups"}
	if cfg.OrgID == 0 {
		return out, nil
	}
	out = SSOSettings{Configured: true, Issuer: cfg.Issuer, ClientID: cfg.ClientID, HasSecret: cfg.ClientSecretEnc != "",
		RequireSSO: cfg.RequireSSO, GroupsClaim: cfg.GroupsClaim}
	err := db.WithContext(ctx).Model(&SSODomain{}).Where("org_id = ?", actor.Org.ID).Order("domain").Pluck("domain", &out.Domains).Error
	return out, err
}

// SSOClient is what a sign-in needs to talk to an organization's identity
// provider.
type SSOClient struct {
	Org          Organization
	Issuer       string
	ClientID     string
	ClientSecret string
	GroupsClaim  string
	RequireSSO   bool
}

// ErrNoSSO is an email whose domain no organization signs in with.
var ErrNoSSO = errors.New("no single sign-on for this domain")

func emailDomain(email string) string {
	return strings.ToLower(email[strings.LastIndex(email, "@")+1:])
}

// SSOForEmail finds the identity provider of an email's domain.
func SSOForEmail(ctx context.Context, db *gorm.DB, sealer Sealer, email string) (SSOClient, error) {
	email, err := ValidateEmail(email)
	if err != nil {
		return SSOClient{}, err
	}
	var d SSODomain
	err = db.WithContext(ctx).Where("domain = ?", emailDomain(email)).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return SSOClient{}, ErrNoSSO
	}
	if err != nil {
		return SSOClient{}, err
	}
	return SSOForOrg(ctx, db, sealer, d.OrgID)
}

// SSOForOrg loads an organization's identity provider with its secret.
func SSOForOrg(ctx context.Context, db *gorm.DB, sealer Sealer, orgID int64) (SSOClient, error) {
	var cfg SSOConfig
	if err := db.WithContext(ctx).Where("org_id = ?", orgID).Take(&cfg).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return SSOClient{}, ErrNoSSO
		}
		return SSOClient{}, err
	}
	var org Organization
	if err := db.WithContext(ctx).Take(&org, orgID).Error; err != nil {
		return SSOClient{}, err
	}
	secret, err := sealer.Open(cfg.ClientSecretEnc)
	if err != nil {
		return SSOClient{}, err
	}
	return SSOClient{Org: org, Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: secret,
		GroupsClaim: cfg.GroupsClaim, RequireSSO: cfg.RequireSSO}, nil
}

// SSORequired reports whether password sign-in is refused for this email:
// its domain's organization requires single sign-on and the person is not
// that organization's Primary Owner (their way back in).
func SSORequired(ctx context.Context, db *gorm.DB, email string) (bool, error) {
	email = NormalizeEmail(email)
	if !strings.Contains(email, "@") {
		return false, nil
	}
	var cfg struct {
		OrgID      int64
		RequireSSO bool
	}
	err := db.WithContext(ctx).Table("sso_domains").Select("sso_configs.org_id, sso_configs.require_sso").
		Joins("JOIN sso_configs ON sso_configs.org_id = sso_domains.org_id").
		Where("sso_domains.domain = ?", emailDomain(email)).Limit(1).Scan(&cfg).Error
	if err != nil || !cfg.RequireSSO {
		return false, err
	}
	var primary int64
	err = db.WithContext(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND users.email = ? AND memberships.role = ?", cfg.OrgID, email, RolePrimaryOwner).Count(&primary).Error
	return primary == 0, err
}

// StartSSOLogin records a sign-in about to leave for the identity provider
// and returns its state, nonce and PKCE verifier.
func StartSSOLogin(ctx context.Context, db *gorm.DB, clock Clock, orgID int64, next string) (state, nonce, verifier string, err error) {
	for _, dst := range []*string{&state, &nonce, &verifier} {
		if *dst, err = newToken(); err != nil {
			return "", "", "", err
		}
	}
	now := clock.Now().UTC()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&SSOLogin{}).Error; err != nil {
			return err
		}
		return tx.Create(&SSOLogin{StateHash: hashToken(state), OrgID: orgID, Nonce: nonce, Verifier: verifier,
			Next: next, ExpiresAt: now.Add(SSOLoginTTL)}).Error
	})
	return state, nonce, verifier, err
}

// ErrSSOState is a sign-in whose state is unknown, used or expired.
var ErrSSOState = errors.New("unknown, used or expired sign-in state")

// TakeSSOLogin consumes a sign-in's state: it works once, within its time.
func TakeSSOLogin(ctx context.Context, db *gorm.DB, clock Clock, state string) (SSOLogin, error) {
	if state == "" || len(state) > 200 {
		return SSOLogin{}, ErrSSOState
	}
	var l SSOLogin
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("state_hash = ?", hashToken(state)).Limit(1).Find(&l).Error; err != nil {
			return err
		}
		// Whoever deletes the row is the one sign-in that may use it.
		res := tx.Where("state_hash = ?", hashToken(state)).Delete(&SSOLogin{})
		if res.Error != nil {
			return res.Error
		}
		if l.StateHash == "" || res.RowsAffected != 1 {
			return ErrSSOState
		}
		return nil
	})
	if err != nil {
		return SSOLogin{}, err
	}
	if !clock.Now().Before(l.ExpiresAt) {
		return SSOLogin{}, ErrSSOState
	}
	return l, nil
}

// SSOClaims is who the identity provider says signed in.
type SSOClaims struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	Groups  []string
}

// SSOOutcome is where a sign-in leads: the person, and their membership.
type SSOOutcome struct {
	User   User
	Member Membership
	Mails  []OutboxMessage
}

// ErrRemovedMember is a sign-in by someone an Admin removed: single sign-on
// does not bring them back by itself.
var ErrRemovedMember = errors.New("removed from the organization")

// CompleteSSO links the person to their identity (issuer and subject; a
// first sign-in with a verified email of an existing user links to that
// user; else a new user without password), updates their name and email, and
// makes them a member through the provisioning operation when they are not
// one yet (R-PROV-1): a seat, or the line.
func (p Provisioner) CompleteSSO(ctx context.Context, org Organization, c SSOClaims) (SSOOutcome, error) {
	email, err := ValidateEmail(c.Email)
	if err != nil {
		return SSOOutcome{}, err
	}
	in := ProvisionInput{Email: email, Name: c.Name, Active: true, Source: SourceJIT}
	groups, err := cleanGroupNames(c.Groups)
	if err != nil {
		return SSOOutcome{}, err
	}
	if err := validateNames(&in); err != nil {
		return SSOOutcome{}, err
	}
	var out SSOOutcome
	err = p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, org.ID)
		if err != nil {
			return err
		}
		user, err := linkIdentity(tx, c, in)
		if err != nil {
			return err
		}
		out.User = user
		var m Membership
		err = tx.Where("org_id = ? AND user_id = ?", org.ID, user.ID).Limit(1).Find(&m).Error
		if err != nil {
			return err
		}
		if m.ID != 0 {
			m.User = user
			changed, err := setMemberGroups(tx, org.ID, m.ID, groups)
			if err != nil || !changed {
				out.Member = m
				return err
			}
			// The identity provider changed the person's groups: the
			// mapping applies again, through the same operation.
			if err := p.reapply(tx, SSOActor(org, user), org, []int64{m.ID}); err != nil {
				return err
			}
			return tx.Joins("User").Take(&out.Member, m.ID).Error
		}
		var removed int64
		if err := tx.Model(&MemberRemoval{}).Where("org_id = ? AND user_id = ?", org.ID, user.ID).Count(&removed).Error; err != nil {
			return err
		}
		if removed > 0 {
			return ErrRemovedMember
		}
		if in.Mapping, err = mappedTarget(tx, org.ID, groups); err != nil {
			return err
		}
		var prov Provisioned
		m, err = p.join(tx, SSOActor(org, user), org, user, in, "", &prov)
		out.Member, out.Mails = m, prov.Mails
		if err != nil {
			return err
		}
		_, err = setMemberGroups(tx, org.ID, m.ID, groups)
		return err
	})
	return out, err
}

// linkIdentity finds or creates the user of an identity and brings their
// name and email up to date.
func linkIdentity(tx *gorm.DB, c SSOClaims, in ProvisionInput) (User, error) {
	var user User
	var ident SSOIdentity
	err := tx.Where("issuer = ? AND subject = ?", c.Issuer, c.Subject).Limit(1).Find(&ident).Error
	if err != nil {
		return User{}, err
	}
	if ident.ID != 0 {
		if err := tx.Take(&user, ident.UserID).Error; err != nil {
			return User{}, err
		}
		changes := map[string]any{}
		if user.Name != in.Name {
			changes["name"] = in.Name
		}
		if user.Email != in.Email {
			var n int64
			if err := tx.Model(&User{}).Where("email = ? AND id <> ?", in.Email, user.ID).Count(&n).Error; err != nil {
				return User{}, err
			}
			if n == 0 { // an address another user holds stays theirs
				changes["email"] = in.Email
			}
		}
		if len(changes) > 0 {
			if err := tx.Model(&user).Updates(changes).Error; err != nil {
				return User{}, err
			}
		}
		return user, nil
	}
	err = tx.Where("email = ?", in.Email).Limit(1).Find(&user).Error
	if err != nil {
		return User{}, err
	}
	if user.ID == 0 {
		user = User{Email: in.Email, Name: in.Name}
		if err := tx.Create(&user).Error; err != nil {
			return User{}, err
		}
	}
	return user, tx.Create(&SSOIdentity{Issuer: c.Issuer, Subject: c.Subject, UserID: user.ID}).Error
}
