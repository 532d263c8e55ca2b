package models_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// scimFilterSeeds are filters of every shape RFC 7644 §3.4.2.2 allows, and
// some it does not; testdata/fuzz/FuzzSCIMFilter holds what fuzzing found.
var scimFilterSeeds = []string{
	`userName eq "bjensen@example.com"`,
	`name.familyName co "O'Malley"`,
	`userName sw "J"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
	`title pr`,
	`externalId pr`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`,
	`meta.lastModified ge "2011-05-13T04:42:34Z"`,
	`meta.created lt "2011-05-13T04:42:34Z"`,
	`meta.lastModified le "2011-05-13T04:42:34Z"`,
	`displayName ew "son" and active eq true`,
	`userName eq "a" or userName eq "b" and not (displayName co "x")`,
	`emails[type eq "work" and value co "@example.com"]`,
	`emails co "example.com"`,
	`emails.value ew ".com"`,
	`active ne false`,
	`id eq "1"`,
	`id eq "x"`,
	`userName gt "m"`,
	`externalId eq null`,
	`displayName eq "50%_\\"`,
	`not (userName eq "a")`,
	`((userName eq "a"))`,
	`userName eq`,
	`password eq "x"`,
	`emails[value eq "a"][type eq "b"]`,
	`userName eq 12`,
	`active eq "true"`,
}

// FuzzSCIMFilter: any filter either translates into SQL that the database
// runs, or is refused as *BadFilter; never another error, never a panic.
// `make fuzz` runs it for a bounded time; `go test` runs the corpus.
func FuzzSCIMFilter(f *testing.F) {
	for _, s := range scimFilterSeeds {
		f.Add(s)
	}
	db := modeltest.Open(f, "sqlite")
	clock := modeltest.FixedClock{T: today}
	if err := models.LoadDemoHashed(context.Background(), db, clock, "x"); err != nil {
		f.Fatal(err)
	}
	org, err := models.OrgBySlug(context.Background(), db, "acme")
	if err != nil {
		f.Fatal(err)
	}
	actor := models.TokenActor(org, 1, "fuzz")
	f.Fuzz(func(t *testing.T, filter string) {
		checkFilter(t, db, actor, filter)
	})
}

func checkFilter(t *testing.T, db *gorm.DB, actor models.Actor, filter string) {
	t.Helper()
	var bad *models.BadFilter
	for _, q := range []models.SCIMQuery{{Filter: filter, Count: 5}, {Filter: filter, Count: 0}} {
		if _, _, err := models.SCIMUsers(context.Background(), db, actor, q); err != nil && !errors.As(err, &bad) {
			t.Fatalf("users filter %q: %v", filter, err)
		}
		if _, _, err := models.SCIMGroups(context.Background(), db, actor, q, true); err != nil && !errors.As(err, &bad) {
			t.Fatalf("groups filter %q: %v", filter, err)
		}
	}
}

// TestSCIMFilterSeeds runs the seeds on both databases, with the answers
// the demo data gives.
func TestSCIMFilterSeeds(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		demo(t, db)
		org, _ := models.OrgBySlug(context.Background(), db, "acme")
		actor := models.TokenActor(org, 1, "test")
		for _, s := range scimFilterSeeds {
			checkFilter(t, db, actor, s)
		}
		count := func(filter string) int64 {
			_, n, err := models.SCIMUsers(context.Background(), db, actor, models.SCIMQuery{Filter: filter, Count: 1})
			if err != nil {
				t.Fatalf("%s: %v", filter, err)
			}
			return n
		}
		for filter, want := range map[string]int64{
			`userName eq "PRIMARY@ACME.EXAMPLE"`:                  1,
			`userName sw "primary" or userName sw "owner"`:        2,
			`displayName co "a" and not (displayName co "a")`:     0,
			`emails[type eq "work" and value ew "@acme.example"]`: 24,
			`emails[type eq "home"]`:                              0,
			`active eq true`:                                      24,
			`externalId pr`:                                       0,
			`name.givenName eq "pat"`:                             0, // given names are set by the identity provider only
			`displayName eq "pat primary"`:                        1,
			`meta.created ge "2000-01-01T00:00:00Z" and meta.created lt "2100-01-01T00:00:00Z"`: 24,
		} {
			if got := count(filter); got != want {
				t.Errorf("%s: %d, want %d", filter, got, want)
			}
		}
	})
}
