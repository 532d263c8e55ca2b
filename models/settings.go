package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionKeySetting names the stored session key.
const SessionKeySetting = "session_key"

// SessionKey returns the stored session-signing key, creating one on first use.
// Concurrent first starts of several instances agree on one key.
func SessionKey(ctx context.Context, db *gorm.DB) ([]byte, error) {
	buf := make([]byte, 64)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	candidate := Setting{Name: SessionKeySetting, Value: hex.EncodeToString(buf)}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&candidate).Error; err != nil {
		return nil, fmt.Errorf("store session key: %w", err)
	}
	var s Setting
	if err := db.WithContext(ctx).Take(&s, "name = ?", SessionKeySetting).Error; err != nil {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	key, err := hex.DecodeString(s.Value)
	if err != nil || len(key) < 32 {
		return nil, errors.New("stored session key is malformed")
	}
	return key, nil
}
