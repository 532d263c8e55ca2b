package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// SCIM filters (RFC 7644 §3.4.2.2), parsed by github.com/scim2/filter-parser
// and translated into parameterized SQL over a whitelist of attributes.
// Anything else is *BadFilter (SCIM answers 400 invalidFilter).

// BadFilter is a filter Seatdesk cannot answer.
type BadFilter struct{ Detail string }

func (e *BadFilter) Error() string { return "invalid filter: " + e.Detail }

// MaxFilterLen bounds a filter's length.
const MaxFilterLen = 2000

type attrKind int

const (
	attrText     attrKind = iota // case-insensitive string
	attrExact                    // case-exact string
	attrID                       // a numeric id, compared for equality
	attrTime                     // a timestamp (RFC 3339)
	attrActive                   // the member's "active" (not suspended)
	attrConst                    // a constant of the single email: type "work", primary true
	attrMemberOf                 // a group's members.value: EXISTS in group_members
)

type scimAttr struct {
	col     string // SQL expression
	kind    attrKind
	lowered bool // the column is stored lower-cased: compare it as is
	value   any  // attrConst
}

// scimSchema is what a resource's filters may name, by lower-cased path.
type scimSchema struct {
	coreURN string
	attrs   map[string]scimAttr
	multi   map[string]map[string]scimAttr // value paths: emails[…], members[…]
}

var userEmailSubs = map[string]scimAttr{
	"value":   {col: "users.email", kind: attrText, lowered: true},
	"type":    {kind: attrConst, value: "work"},
	"primary": {kind: attrConst, value: true},
}

var scimUserSchema = scimSchema{
	coreURN: "urn:ietf:params:scim:schemas:core:2.0:user",
	attrs: map[string]scimAttr{
		"id":                {col: "memberships.id", kind: attrID},
		"username":          {col: "users.email", kind: attrText, lowered: true},
		"externalid":        {col: "memberships.external_id", kind: attrExact},
		"displayname":       {col: "users.name", kind: attrText},
		"name.formatted":    {col: "users.name", kind: attrText},
		"name.givenname":    {col: "users.given_name", kind: attrText},
		"name.familyname":   {col: "users.family_name", kind: attrText},
		"active":            {kind: attrActive},
		"meta.created":      {col: "memberships.created_at", kind: attrTime},
		"meta.lastmodified": {col: "memberships.updated_at", kind: attrTime},
	},
	multi: map[string]map[string]scimAttr{"emails": userEmailSubs},
}

var scimGroupSchema = scimSchema{
	coreURN: "urn:ietf:params:scim:schemas:core:2.0:group",
	attrs: map[string]scimAttr{
		"id":                {col: "groups.id", kind: attrID},
		"displayname":       {col: "groups.display_name", kind: attrText},
		"externalid":        {col: "groups.external_id", kind: attrExact},
		"meta.created":      {col: "groups.created_at", kind: attrTime},
		"meta.lastmodified": {col: "groups.updated_at", kind: attrTime},
	},
	multi: map[string]map[string]scimAttr{"members": {"value": {kind: attrMemberOf}}},
}

// sqlFilter is a translated filter: a WHERE clause and its arguments.
type sqlFilter struct {
	where string
	args  []any
}

// translate parses a filter and translates it for a resource's schema.
func (s scimSchema) translate(raw string) (sqlFilter, error) {
	if len(raw) > MaxFilterLen {
		return sqlFilter{}, &BadFilter{Detail: fmt.Sprintf("the filter is longer than %d characters", MaxFilterLen)}
	}
	expr, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return sqlFilter{}, &BadFilter{Detail: "the filter does not parse"}
	}
	var f sqlFilter
	where, err := s.expr(expr, nil, &f.args)
	if err != nil {
		return sqlFilter{}, err
	}
	f.where = where
	return f, nil
}

// expr translates one expression; subs is set inside a value path.
func (s scimSchema) expr(e filter.Expression, subs map[string]scimAttr, args *[]any) (string, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := s.expr(e.Left, subs, args)
		if err != nil {
			return "", err
		}
		r, err := s.expr(e.Right, subs, args)
		if err != nil {
			return "", err
		}
		op := "AND"
		if e.Operator == filter.OR {
			op = "OR"
		}
		return "(" + l + " " + op + " " + r + ")", nil
	case *filter.NotExpression:
		inner, err := s.expr(e.Expression, subs, args)
		if err != nil {
			return "", err
		}
		return "(NOT " + inner + ")", nil
	case *filter.ValuePath:
		if subs != nil {
			return "", &BadFilter{Detail: "value paths do not nest"}
		}
		name, err := s.name(e.AttributePath.URI(), e.AttributePath.AttributeName, "")
		if err != nil {
			return "", err
		}
		inner, ok := s.multi[name]
		if !ok {
			return "", &BadFilter{Detail: "unknown attribute " + e.AttributePath.AttributeName}
		}
		return s.expr(e.ValueFilter, inner, args)
	case *filter.AttributeExpression:
		a, err := s.attr(e.AttributePath, subs)
		if err != nil {
			return "", err
		}
		return compare(a, e.Operator, e.CompareValue, args)
	}
	return "", &BadFilter{Detail: "unsupported expression"}
}

// name is the lower-cased attribute path, without the resource's own URN.
func (s scimSchema) name(uri, attr, sub string) (string, error) {
	if uri != "" && !strings.EqualFold(uri, s.coreURN) {
		return "", &BadFilter{Detail: "unknown schema " + uri}
	}
	name := strings.ToLower(attr)
	if sub != "" {
		name += "." + strings.ToLower(sub)
	}
	return name, nil
}

func (s scimSchema) attr(p filter.AttributePath, subs map[string]scimAttr) (scimAttr, error) {
	if subs != nil {
		if p.URIPrefix != nil || p.SubAttribute != nil {
			return scimAttr{}, &BadFilter{Detail: "unknown attribute " + p.String()}
		}
		a, ok := subs[strings.ToLower(p.AttributeName)]
		if !ok {
			return scimAttr{}, &BadFilter{Detail: "unknown attribute " + p.String()}
		}
		return a, nil
	}
	name, err := s.name(p.URI(), p.AttributeName, p.SubAttributeName())
	if err != nil {
		return scimAttr{}, err
	}
	if a, ok := s.attrs[name]; ok {
		return a, nil
	}
	// A multi-valued attribute named alone, or with a sub-attribute:
	// emails eq "…" is emails.value eq "…".
	base, sub, _ := strings.Cut(name, ".")
	if m, ok := s.multi[base]; ok {
		if sub == "" {
			sub = "value"
		}
		if a, ok := m[sub]; ok {
			return a, nil
		}
	}
	return scimAttr{}, &BadFilter{Detail: "unknown attribute " + p.String()}
}

const (
	sqlTrue  = "(1 = 1)"
	sqlFalse = "(1 = 0)"
)

// compare translates "attribute operator value".
func compare(a scimAttr, op filter.CompareOperator, v any, args *[]any) (string, error) {
	bad := func() (string, error) {
		return "", &BadFilter{Detail: fmt.Sprintf("operator %s does not apply to %v", op, v)}
	}
	switch a.kind {
	case attrConst:
		switch op {
		case filter.PR:
			return sqlTrue, nil
		case filter.EQ, filter.NE:
			same := fmt.Sprint(v) == fmt.Sprint(a.value)
			if s, ok := v.(string); ok {
				same = strings.EqualFold(s, fmt.Sprint(a.value))
			}
			if same == (op == filter.EQ) {
				return sqlTrue, nil
			}
			return sqlFalse, nil
		}
		return bad()
	case attrActive:
		if op == filter.PR {
			return sqlTrue, nil
		}
		b, ok := v.(bool)
		if !ok || (op != filter.EQ && op != filter.NE) {
			return bad()
		}
		if b == (op == filter.EQ) {
			return "(memberships.status <> 'suspended')", nil
		}
		return "(memberships.status = 'suspended')", nil
	case attrMemberOf:
		switch op {
		case filter.PR:
			return "EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = groups.id)", nil
		case filter.EQ:
			id, ok := numericID(v)
			if !ok {
				return sqlFalse, nil
			}
			*args = append(*args, id)
			return "EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = groups.id AND gm.membership_id = ?)", nil
		}
		return bad()
	case attrID:
		switch op {
		case filter.PR:
			return sqlTrue, nil
		case filter.EQ, filter.NE:
			id, ok := numericID(v)
			if !ok {
				if op == filter.EQ {
					return sqlFalse, nil
				}
				return sqlTrue, nil
			}
			*args = append(*args, id)
			if op == filter.EQ {
				return "(" + a.col + " = ?)", nil
			}
			return "(" + a.col + " <> ?)", nil
		}
		return bad()
	case attrTime:
		if op == filter.PR {
			return "(" + a.col + " IS NOT NULL)", nil
		}
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", &BadFilter{Detail: "not an RFC 3339 date: " + s}
		}
		sqlOp, ok := orderOps[op]
		if !ok {
			return bad()
		}
		*args = append(*args, t.UTC())
		return "(" + a.col + " " + sqlOp + " ?)", nil
	}
	// Strings: case-insensitive (attrText) or exact.
	col := a.col
	if op == filter.PR {
		return "(" + col + " IS NOT NULL AND " + col + " <> '')", nil
	}
	if v == nil && (op == filter.EQ || op == filter.NE) {
		if op == filter.EQ {
			return "(" + col + " IS NULL)", nil
		}
		return "(" + col + " IS NOT NULL)", nil
	}
	s, ok := v.(string)
	if !ok {
		return bad()
	}
	if a.kind == attrText {
		s = strings.ToLower(s)
		if !a.lowered {
			col = "lower(" + col + ")"
		}
	}
	switch op {
	case filter.EQ:
		*args = append(*args, s)
		return "(" + col + " = ?)", nil
	case filter.NE:
		*args = append(*args, s)
		return "(" + col + " IS NULL OR " + col + " <> ?)", nil
	case filter.CO, filter.SW, filter.EW:
		like := escapeLike(s)
		switch op {
		case filter.CO:
			like = "%" + like + "%"
		case filter.SW:
			like += "%"
		case filter.EW:
			like = "%" + like
		}
		*args = append(*args, like)
		return "(" + col + ` LIKE ? ESCAPE '\')`, nil
	}
	if sqlOp, ok := orderOps[op]; ok {
		*args = append(*args, s)
		return "(" + col + " " + sqlOp + " ?)", nil
	}
	return bad()
}

var orderOps = map[filter.CompareOperator]string{filter.EQ: "=", filter.NE: "<>", filter.GT: ">", filter.GE: ">=", filter.LT: "<", filter.LE: "<="}

func numericID(v any) (int64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
