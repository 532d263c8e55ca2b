package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionKeySetting names the stored session key.
const SessionKeySetting = "session_key"

// SessionKey returns the stored session-signing key, creating one on first use.
// Concurrent first starts of several instances agree on one key.
func SessionKey(ctx context.Context, db *gorm.DB) ([]byte, error) {
	return storedKey(ctx, db, SessionKeySetting, 64)
}

// SecretKey returns the stored key that seals secrets (32 bytes), creating
// one on first use.
func SecretKey(ctx context.Context, db *gorm.DB) ([]byte, error) {
	return storedKey(ctx, db, SecretKeySetting, 32)
}

func storedKey(ctx context.Context, db *gorm.DB, name string, size int) ([]byte, error) {
	buf := make([]byte, size)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	candidate := Setting{Name: name, Value: hex.EncodeToString(buf)}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&candidate).Error; err != nil {
		return nil, fmt.Errorf("store %s: %w", name, err)
	}
	var s Setting
	if err := db.WithContext(ctx).Take(&s, "name = ?", name).Error; err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	key, err := hex.DecodeString(s.Value)
	if err != nil || len(key) != size {
		return nil, fmt.Errorf("stored %s is malformed", name)
	}
	return key, nil
}
