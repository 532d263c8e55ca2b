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
)

// matrix is SPEC §2 as data: which roles hold each organization permission.
var matrix = map[Permission][]Role{
	OrgMember:         {RolePrimaryOwner, RoleOwner, RoleAdmin, RoleMember},
	ViewOrganization:  {RolePrimaryOwner, RoleOwner, RoleAdmin},
	AssignSeats:       {RolePrimaryOwner, RoleOwner, RoleAdmin},
	ManageMembers:     {RolePrimaryOwner, RoleOwner, RoleAdmin},
	ViewBilling:       {RolePrimaryOwner, RoleOwner},
	ManageBilling:     {RolePrimaryOwner, RoleOwner},
	GrantAdmin:        {RolePrimaryOwner, RoleOwner},
	GrantOwner:        {RolePrimaryOwner, RoleOwner},
	TransferOwnership: {RolePrimaryOwner},
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

// Check returns nil when the actor holds p, else a *Forbidden.
func (a Actor) Check(p Permission) error {
	if Allows(a.Role, p) {
		return nil
	}
	return &Forbidden{Permission: p, Need: LowestRole(p)}
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
