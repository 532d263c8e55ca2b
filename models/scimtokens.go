package models

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// SCIM tokens: 256-bit random bearer tokens bound to one organization, stored
// as their SHA-256 (R-PROV-2). Owners create and revoke them; the operator
// commands do the same as the system.

// scimTokenPrefix marks Seatdesk's SCIM tokens, so that a leaked one is
// recognisable in logs and secret scanners.
const scimTokenPrefix = "sdscim_"

// OrgBySlug loads an organization for the operator commands.
func OrgBySlug(ctx context.Context, db *gorm.DB, slug string) (Organization, error) {
	var org Organization
	err := db.WithContext(ctx).Where("slug = ?", slug).Take(&org).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Organization{}, ErrNotFound
	}
	return org, err
}

func validTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", Invalidf("name", "provisioning.token.name", map[string]any{"Max": 100})
	}
	return name, nil
}

// CreateSCIMToken makes a new SCIM token for the actor's organization and
// returns it: the only time it is shown.
func CreateSCIMToken(ctx context.Context, db *gorm.DB, actor Actor, name string) (string, SCIMToken, error) {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return "", SCIMToken{}, err
	}
	name, err := validTokenName(name)
	if err != nil {
		return "", SCIMToken{}, err
	}
	raw, err := newToken()
	if err != nil {
		return "", SCIMToken{}, err
	}
	raw = scimTokenPrefix + raw
	tok := SCIMToken{OrgID: actor.Org.ID, Name: name, TokenHash: hashToken(raw), CreatedBy: actor.auditName()}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockOrg(tx, actor.Org.ID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&SCIMToken{}).Where("org_id = ? AND name = ?", actor.Org.ID, name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return Invalidf("name", "provisioning.token.name_taken", map[string]any{"Name": name})
		}
		if err := tx.Create(&tok).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "scim_token.created", "scim_token", tok.ID, nil, map[string]any{"name": name})
	})
	if err != nil {
		return "", SCIMToken{}, err
	}
	return raw, tok, nil
}

// RevokeSCIMToken deletes a token of the actor's organization by name; an
// unknown name is ErrNotFound.
func RevokeSCIMToken(ctx context.Context, db *gorm.DB, actor Actor, name string) error {
	_, err := revokeSCIMToken(ctx, db, actor, "name = ?", strings.TrimSpace(name))
	return err
}

// RevokeSCIMTokenByID deletes a token of the actor's organization by id (the
// Organization page) and returns it; another organization's id is ErrNotFound.
func RevokeSCIMTokenByID(ctx context.Context, db *gorm.DB, actor Actor, id int64) (SCIMToken, error) {
	return revokeSCIMToken(ctx, db, actor, "id = ?", id)
}

func revokeSCIMToken(ctx context.Context, db *gorm.DB, actor Actor, where string, arg any) (SCIMToken, error) {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return SCIMToken{}, err
	}
	var tok SCIMToken
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("org_id = ?", actor.Org.ID).Where(where, arg).Take(&tok).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := tx.Delete(&tok).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "scim_token.revoked", "scim_token", tok.ID, map[string]any{"name": tok.Name}, nil)
	})
	return tok, err
}

// SCIMTokens lists the organization's tokens, newest first.
func SCIMTokens(ctx context.Context, db *gorm.DB, actor Actor) ([]SCIMToken, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return nil, err
	}
	var out []SCIMToken
	err := db.WithContext(ctx).Where("org_id = ?", actor.Org.ID).Order("id DESC").Find(&out).Error
	return out, err
}

// lastUsedGranularity bounds how often a token's "last used" is written.
const lastUsedGranularity = time.Minute

// SCIMActor authenticates a SCIM bearer token: the identity provider acting
// in the token's organization. An unknown or revoked token is ErrNotFound.
func SCIMActor(ctx context.Context, db *gorm.DB, clock Clock, raw string) (Actor, error) {
	if !strings.HasPrefix(raw, scimTokenPrefix) || len(raw) > 200 {
		return Actor{}, ErrNotFound
	}
	var tok SCIMToken
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(raw)).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Actor{}, ErrNotFound
	}
	if err != nil {
		return Actor{}, err
	}
	var org Organization
	if err := db.WithContext(ctx).Take(&org, tok.OrgID).Error; err != nil {
		return Actor{}, err
	}
	now := clock.Now().UTC()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= lastUsedGranularity {
		err := db.WithContext(ctx).Model(&SCIMToken{}).Where("id = ?", tok.ID).Update("last_used_at", now).Error
		if err != nil {
			return Actor{}, err
		}
	}
	return TokenActor(org, tok.ID, tok.Name), nil
}
