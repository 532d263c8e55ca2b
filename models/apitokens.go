package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Service tokens let the product's own services ask the access API (R-ACCESS-1)
// whether a user may use chat, Claude Code or Cowork. Unlike SCIM tokens they
// belong to the installation, not to one organization: each request names
// the organization it asks about, and the answer covers that organization
// only. Only the operator makes and revokes them (seatdesk api-token), and
// only the token's SHA-256 is stored.

// apiTokenPrefix marks Seatdesk's service tokens, so that a leaked one is
// recognisable in logs and secret scanners.
const apiTokenPrefix = "sdsvc_"

// APIToken is a product service's bearer token for the access API.
type APIToken struct {
	ID         int64  `gorm:"primaryKey"`
	Name       string `gorm:"size:100;not null;uniqueIndex"`
	TokenHash  string `gorm:"size:64;not null;uniqueIndex"`
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// CreateAPIToken makes a service token and returns it: the only time it is shown.
func CreateAPIToken(ctx context.Context, db *gorm.DB, name string) (string, APIToken, error) {
	name, err := validTokenName(name)
	if err != nil {
		return "", APIToken{}, err
	}
	raw, err := newToken()
	if err != nil {
		return "", APIToken{}, err
	}
	raw = apiTokenPrefix + raw
	tok := APIToken{Name: name, TokenHash: hashToken(raw)}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&APIToken{}).Where("name = ?", name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return Invalidf("name", "provisioning.token.name_taken", map[string]any{"Name": name})
		}
		return tx.Create(&tok).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "", APIToken{}, Invalidf("name", "provisioning.token.name_taken", map[string]any{"Name": name})
	}
	if err != nil {
		return "", APIToken{}, err
	}
	return raw, tok, nil
}

// RevokeAPIToken deletes a service token by name; from the next request on
// it opens nothing. An unknown name is ErrNotFound.
func RevokeAPIToken(ctx context.Context, db *gorm.DB, name string) error {
	res := db.WithContext(ctx).Where("name = ?", strings.TrimSpace(name)).Delete(&APIToken{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ServiceToken authenticates a service token. An unknown or revoked token is
// ErrNotFound. Nothing is cached: a revoked token fails at its next request.
func ServiceToken(ctx context.Context, db *gorm.DB, clock Clock, raw string) (APIToken, error) {
	if !strings.HasPrefix(raw, apiTokenPrefix) || len(raw) > 200 {
		return APIToken{}, ErrNotFound
	}
	rows, err := hotQuery(db.WithContext(ctx), `SELECT id, name, last_used_at FROM api_tokens WHERE token_hash = ? LIMIT 1`, hashToken(raw))
	if err != nil {
		return APIToken{}, fmt.Errorf("service token: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return APIToken{}, err
		}
		return APIToken{}, ErrNotFound
	}
	var tok APIToken
	var used hotTime
	if err := rows.Scan(&tok.ID, &tok.Name, &used); err != nil {
		return APIToken{}, err
	}
	if used.Valid {
		tok.LastUsedAt = &used.T
	}
	if err := rows.Close(); err != nil {
		return APIToken{}, err
	}
	now := clock.Now().UTC()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= lastUsedGranularity {
		// At most once a minute per token, and only if nobody did it meanwhile.
		err := db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", tok.ID, now.Add(-lastUsedGranularity)).
			Update("last_used_at", now).Error
		if err != nil {
			return APIToken{}, err
		}
	}
	return tok, nil
}
