package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrDemoPresent is returned when the demo data is already loaded.
var ErrDemoPresent = errors.New("the demo data is already loaded")

// DemoLogin is a sign-in of the demo data, printed by `make run`.
type DemoLogin struct {
	Email string
	Org   string
	Role  Role
}

type demoOrg struct {
	name, slug, currency string
	plan                 PlanModel
	salesAssisted        bool
	pools                []demoPool
	// logins lists the seat type of primary@, owner@, admin@ and member@.
	logins [4]string
	// others lists how many more members hold each seat type ("" = Unassigned).
	others []demoOthers
}

type demoPool struct {
	seatType   string
	purchased  int
	priceMinor int64
}

type demoOthers struct {
	seatType string
	count    int
}

var demoOrgs = []demoOrg{
	{
		name: "Acme Corp", slug: "acme", currency: "USD", plan: PlanEnterprise,
		pools:  []demoPool{{"enterprise", 25, 6000}},
		logins: [4]string{"enterprise", "enterprise", "enterprise", "enterprise"},
		others: []demoOthers{{"enterprise", 17}, {"", 3}},
	},
	{
		name: "Bottega Srl", slug: "bottega", currency: "EUR", plan: PlanLegacyChat,
		pools:  []demoPool{{"chat", 20, 2000}, {"chat_code", 10, 4500}},
		logins: [4]string{"chat_code", "chat_code", "chat_code", "chat"},
		others: []demoOthers{{"chat_code", 7}, {"chat", 13}, {"", 1}},
	},
	{
		name: "Maison SA", slug: "maison", currency: "EUR", plan: PlanLegacySeat, salesAssisted: true,
		pools:  []demoPool{{"standard", 30, 2500}, {"premium", 10, 5000}},
		logins: [4]string{"premium", "premium", "standard", "standard"},
		others: []demoOthers{{"premium", 6}, {"standard", 20}, {"", 2}},
	},
}

var demoFirst = []string{"Giulia", "Luca", "Sofia", "Marco", "Camille", "Louis", "Emma", "Hugo", "Alice", "Paolo",
	"Chiara", "Jules", "Léa", "Matteo", "Sarah", "Noah", "Elena", "Lucas", "Anna", "Tom", "Marta", "Inès", "Davide", "Zoé"}
var demoLast = []string{"Rossi", "Bianchi", "Martin", "Bernard", "Ferrari", "Dubois", "Russo", "Moreau", "Romano", "Laurent",
	"Colombo", "Lefèvre", "Ricci", "Garnier", "Marino", "Fontaine", "Greco", "Chevalier", "Bruno", "Lambert", "Gallo", "Roux", "Conti", "Faure"}

var demoRoles = [4]struct {
	local string
	role  Role
	name  string
}{
	{"primary", RolePrimaryOwner, "Pat Primary"},
	{"owner", RoleOwner, "Olive Owner"},
	{"admin", RoleAdmin, "Adam Admin"},
	{"member", RoleMember, "Mia Member"},
}

// DemoLogins lists the demo sign-ins.
func DemoLogins() []DemoLogin {
	var out []DemoLogin
	for _, o := range demoOrgs {
		for _, r := range demoRoles {
			out = append(out, DemoLogin{Email: r.local + "@" + o.slug + ".example", Org: o.slug, Role: r.role})
		}
	}
	return out
}

// HasDemo reports whether the demo data is loaded.
func HasDemo(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Organization{}).Where("slug = ?", demoOrgs[0].slug).Count(&n).Error
	return n > 0, err
}

// LoadDemo loads the three demo organizations in one transaction. Terms start
// 100 days before today and last one year. Every demo login has password.
func LoadDemo(ctx context.Context, db *gorm.DB, clock Clock, password string) error {
	if password == "" {
		return errors.New("the demo password is empty")
	}
	// One hash for every demo user: argon2id is slow by design, and these
	// accounts are demo data only.
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return LoadDemoHashed(ctx, db, clock, hash)
}

// LoadDemoHashed is LoadDemo with the password's hash already computed (tests
// load the demo data many times).
func LoadDemoHashed(ctx context.Context, db *gorm.DB, clock Clock, hash string) error {
	today := clock.Now().UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -100)
	end := start.AddDate(1, 0, 0)
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		present, err := HasDemo(ctx, tx)
		if err != nil {
			return err
		}
		if present {
			return ErrDemoPresent
		}
		for i, o := range demoOrgs {
			if err := loadDemoOrg(tx, o, i, hash, start, end); err != nil {
				return fmt.Errorf("demo %s: %w", o.slug, err)
			}
		}
		return nil
	})
}

func loadDemoOrg(tx *gorm.DB, o demoOrg, orgIndex int, hash string, start, end time.Time) error {
	org := Organization{Name: o.name, Slug: o.slug, PlanModel: o.plan, SalesAssisted: o.salesAssisted,
		TermStart: start, TermEnd: end, Currency: o.currency}
	if err := tx.Create(&org).Error; err != nil {
		return err
	}
	assigned := map[string]int{}
	addMember := func(email, name string, role Role, seat string, source MemberSource, created time.Time) error {
		u := User{Email: email, Name: name, PasswordHash: hash}
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		m := Membership{OrgID: org.ID, UserID: u.ID, Role: role, Status: StatusActive, Source: source, CreatedAt: created}
		if seat != "" {
			s := seat
			m.SeatTypeKey = &s
			assigned[seat]++
		}
		return tx.Create(&m).Error
	}
	day := 0
	for i, r := range demoRoles {
		source := SourceInvitation
		if r.role == RolePrimaryOwner {
			source = SourceSignup
		}
		if err := addMember(r.local+"@"+o.slug+".example", r.name, r.role, o.logins[i], source, start.AddDate(0, 0, day)); err != nil {
			return err
		}
		day++
	}
	n := 0
	for _, g := range o.others {
		for range g.count {
			first := demoFirst[(n+orgIndex*7)%len(demoFirst)]
			last := demoLast[(n*5+orgIndex*3)%len(demoLast)]
			email := fmt.Sprintf("%s.%s%d@%s.example", asciiFold(first), asciiFold(last), n+1, o.slug)
			if err := addMember(email, first+" "+last, RoleMember, g.seatType, SourceInvitation, start.AddDate(0, 0, day)); err != nil {
				return err
			}
			n++
			day++
		}
	}
	inv := Invoice{OrgID: org.ID, Number: InvoiceNumber(org.Slug, 1), IssuedAt: start, Currency: o.currency}
	for _, p := range o.pools {
		pool := SeatPool{OrgID: org.ID, SeatTypeKey: p.seatType, Purchased: p.purchased, Assigned: assigned[p.seatType], PriceMinor: p.priceMinor}
		if err := createPool(tx, &pool); err != nil {
			return err
		}
		amount := int64(p.purchased) * p.priceMinor * 12
		inv.TotalMinor += amount
		inv.Lines = append(inv.Lines, InvoiceLine{Kind: LineSubscription, SeatTypeKey: p.seatType, Quantity: p.purchased,
			UnitPriceMinor: p.priceMinor, AmountMinor: amount, PeriodStart: start, PeriodEnd: end})
	}
	if err := tx.Create(&inv).Error; err != nil {
		return err
	}
	return Audit(tx, SystemActor(org, "demo"), "organization.created", "organization", org.ID, nil, map[string]any{"slug": org.Slug, "source": "demo"})
}

// InvoiceNumber formats the n-th invoice number of an organization.
func InvoiceNumber(slug string, n int64) string {
	return fmt.Sprintf("%s-%05d", strings.ToUpper(slug), n)
}

func asciiFold(s string) string {
	return strings.ToLower(strings.NewReplacer("é", "e", "è", "e", "É", "e").Replace(s))
}
