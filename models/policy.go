package models

// Permission names one row of the permission matrix of SPEC §2, plus the two
// rows every route table needs: Public and SignedIn.
type Permission string

const (
	Public            Permission = "public"            // anyone, signed in or not
	SignedIn          Permission = "signed_in"         // any signed-in user, no organization needed
	ViewOrganization  Permission = "view_organization" // Organization settings › Organization
	AssignSeats       Permission = "assign_seats"      // reassign seat type, set Unassigned, restore
	ManageMembers     Permission = "manage_members"    // invite and remove members
	ViewBilling       Permission = "view_billing"      // Organization settings › Billing
	ManageBilling     Permission = "manage_billing"    // buy seats, reductions, cancel / resume, extra usage
	GrantAdmin        Permission = "grant_admin"
	GrantOwner        Permission = "grant_owner"
	TransferOwnership Permission = "transfer_ownership"
	OrgMember         Permission = "org_member" // any member of the organization in the URL
	// ConfigureProvisioning: single sign-on, SCIM tokens, group mappings.
	ConfigureProvisioning Permission = "configure_provisioning"
	AdmitWaiting          Permission = "admit_waiting" // admit a waiting member into a free seat
	// Provision: add, update, suspend and remove members as the identity
	// provider (SCIM tokens; single sign-on for the person signing in). No
	// role holds it: people invite.
	Provision Permission = "provision"
	// ViewAudit: read and export the audit log, per-member seat history.
	ViewAudit Permission = "view_audit"
	// ReadAccess: ask whether a user may use chat, Claude Code or Cowork
	// (R-ACCESS-1). No role holds it: product services' tokens do.
	ReadAccess Permission = "read_access"
)

// matrix is SPEC §2 as data: which roles hold each organization permission.
var matrix = map[Permission][]Role{
	OrgMember:             {RolePrimaryOwner, RoleOwner, RoleAdmin, RoleMember},
	ViewOrganization:      {RolePrimaryOwner, RoleOwner, RoleAdmin},
	AssignSeats:           {RolePrimaryOwner, RoleOwner, RoleAdmin},
	ManageMembers:         {RolePrimaryOwner, RoleOwner, RoleAdmin},
	ViewBilling:           {RolePrimaryOwner, RoleOwner},
	ManageBilling:         {RolePrimaryOwner, RoleOwner},
	GrantAdmin:            {RolePrimaryOwner, RoleOwner},
	GrantOwner:            {RolePrimaryOwner, RoleOwner},
	TransferOwnership:     {RolePrimaryOwner},
	ConfigureProvisioning: {RolePrimaryOwner, RoleOwner},
	AdmitWaiting:          {RolePrimaryOwner, RoleOwner, RoleAdmin},
	ViewAudit:             {RolePrimaryOwner, RoleOwner, RoleAdmin},
}

// OrgScoped reports whether a permission is checked against a membership of
// the organization named in the URL.
func (p Permission) OrgScoped() bool { return p != Public && p != SignedIn }

// Allows reports whether role holds permission p. Public and SignedIn hold for
// every role.
func Allows(role Role, p Permission) bool {
	if !p.OrgScoped() {
		return true
	}
	for _, r := range matrix[p] {
		if r == role {
			return true
		}
	}
	return false
}

// LowestRole is the least-privileged role holding p, named on the 403 page.
func LowestRole(p Permission) Role {
	roles := matrix[p]
	if len(roles) == 0 {
		return RolePrimaryOwner
	}
	return roles[len(roles)-1]
}

// kindGrants is what actors other than a person may do: the identity
// provider provisions (SCIM also reads the organization's members), and
// Seatdesk itself (renewal, sweeps, operator commands) may do everything.
var kindGrants = map[ActorKind][]Permission{
	ActorSCIM: {OrgMember, ViewOrganization, AssignSeats, ManageMembers, Provision},
	ActorSSO:  {OrgMember, Provision},
}

// Allowed reports whether the actor holds permission p: a person by role
// (SPEC §2), other kinds by kindGrants.
func (a Actor) Allowed(p Permission) bool {
	switch a.Kind {
	case ActorPerson:
		return Allows(a.Role, p)
	case ActorSystem:
		return true
	}
	if !p.OrgScoped() {
		return true
	}
	for _, g := range kindGrants[a.Kind] {
		if g == p {
			return true
		}
	}
	return false
}

// Check returns nil when the actor holds p, else a *Forbidden.
func (a Actor) Check(p Permission) error {
	if a.Allowed(p) {
		return nil
	}
	return &Forbidden{Permission: p, Need: LowestRole(p)}
}

// rank is how high the actor stands when acting on members: a person's
// role; the identity provider stands with Owners (it may remove an Owner who
// left the company, never the Primary Owner); the system above everyone.
func (a Actor) rank() int {
	switch a.Kind {
	case ActorPerson:
		return a.Role.Rank()
	case ActorSystem:
		return RolePrimaryOwner.Rank()
	}
	return RoleOwner.Rank()
}

// MemberAction is something done to one member.
type MemberAction string

const (
	ActSetSeat     MemberAction = "set_seat"     // give a seat type
	ActUnassign    MemberAction = "unassign"     // set Unassigned
	ActMakeMember  MemberAction = "make_member"  // role Member
	ActMakeAdmin   MemberAction = "make_admin"   // role Admin
	ActMakeOwner   MemberAction = "make_owner"   // role Owner
	ActRemove      MemberAction = "remove"       // take out of the organization
	ActMakePrimary MemberAction = "make_primary" // transfer primary ownership
)

// RoleAction is the action that gives a role.
func RoleAction(r Role) (MemberAction, bool) {
	switch r {
	case RoleMember:
		return ActMakeMember, true
	case RoleAdmin:
		return ActMakeAdmin, true
	case RoleOwner:
		return ActMakeOwner, true
	}
	return "", false
}

// MemberTarget is what the per-member rules need to know of a member.
type MemberTarget struct {
	ID          int64
	Role        Role
	Status      MemberStatus
	SeatTypeKey *string
}

// TargetOf describes a membership for the per-member rules.
func TargetOf(m Membership) MemberTarget {
	return MemberTarget{ID: m.ID, Role: m.Role, Status: m.Status, SeatTypeKey: m.SeatTypeKey}
}

// MemberRule is THE rule of who may do what to whom (SPEC §2, R-PERM-1): the
// operations enforce it and the pages only show what it allows. nil means
// allowed; else a *Forbidden (the actor's role is not enough) or an *Invalid
// saying why this member cannot be the target.
func MemberRule(a Actor, t MemberTarget, act MemberAction) error {
	self := a.MembershipID != 0 && a.MembershipID == t.ID
	switch act {
	case ActSetSeat, ActUnassign:
		if err := a.Check(AssignSeats); err != nil {
			return err
		}
		if act == ActUnassign && t.Role == RolePrimaryOwner {
			return Invalidf("seat_type", "members.seat.primary_owner", nil)
		}
		if t.Status == StatusSuspended {
			return Invalidf("seat_type", "members.seat.suspended", nil)
		}
		return nil
	case ActMakeMember, ActMakeAdmin, ActMakeOwner:
		need := GrantAdmin
		if act == ActMakeOwner || t.Role == RoleOwner {
			need = GrantOwner
		}
		if err := a.Check(need); err != nil {
			return err
		}
		if t.Role == RolePrimaryOwner {
			return Invalidf("role", "members.role.primary_owner", nil)
		}
		if self {
			return Invalidf("role", "members.role.self", nil)
		}
		return nil
	case ActRemove:
		if err := a.Check(ManageMembers); err != nil {
			return err
		}
		if t.Role == RolePrimaryOwner {
			return Invalidf("", "members.remove.primary_owner", nil)
		}
		if self {
			return Invalidf("", "members.remove.self", nil)
		}
		if t.Role.Rank() > a.rank() {
			return &Forbidden{Permission: GrantOwner, Need: RoleOwner}
		}
		return nil
	case ActMakePrimary:
		if err := a.Check(TransferOwnership); err != nil {
			return err
		}
		if self {
			return Invalidf("", "members.transfer.self", nil)
		}
		if t.Status != StatusActive {
			return Invalidf("", "members.transfer.not_active", nil)
		}
		if t.SeatTypeKey == nil {
			return Invalidf("", "members.transfer.unassigned", nil)
		}
		return nil
	}
	return Invalidf("", "members.unknown_action", nil)
}

// MemberRights is what an actor may do to one member, for the pages.
type MemberRights struct {
	SetSeat  bool
	Unassign bool
	Roles    []Role // roles the actor may give (empty: the role cannot be changed)
	Remove   bool
	Transfer bool
}

// RightsOver applies MemberRule to every action.
func RightsOver(a Actor, t MemberTarget) MemberRights {
	ok := func(act MemberAction) bool { return MemberRule(a, t, act) == nil }
	r := MemberRights{SetSeat: ok(ActSetSeat), Unassign: ok(ActUnassign), Remove: ok(ActRemove), Transfer: ok(ActMakePrimary)}
	for _, role := range []Role{RoleMember, RoleAdmin, RoleOwner} {
		act, _ := RoleAction(role)
		if ok(act) {
			r.Roles = append(r.Roles, role)
		}
	}
	if len(r.Roles) > 0 && !containsRole(r.Roles, t.Role) {
		r.Roles = nil // an Admin cannot change an Owner's role at all
	}
	return r
}

func containsRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// Rank orders roles: 4 for the Primary Owner down to 1 for a Member.
func (r Role) Rank() int {
	for i, x := range Roles {
		if x == r {
			return len(Roles) - i
		}
	}
	return 0
}
