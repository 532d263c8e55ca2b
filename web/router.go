package web

import (
	"net/http"

	"github.com/seatdesk/seatdesk/models"
)

// handlerFunc is a handler that returns its error to one adapter (respond.go).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Auth says how a route's caller authenticates.
type Auth string

const (
	Public  Auth = "public"  // anyone; a signed-in user is recognised
	Session Auth = "session" // a person signed in (session cookie)
	SCIM    Auth = "scim"    // an identity provider's SCIM bearer token, bound to one organization
	Service Auth = "service" // a product service's bearer token (the access API)
)

// Format says how a route's errors are written.
type Format string

const (
	HTML     Format = "html"      // a page, or a fragment for htmx
	JSON     Format = "json"      // {"code": …, "message": …}
	SCIMJSON Format = "scim+json" // a SCIM Error (RFC 7644 §3.12)
)

// Route is one row of THE route table: the pattern, how its caller
// authenticates, the permission it needs, the format of its errors and the
// handler. Nothing else registers URLs (but the static files).
type Route struct {
	Pattern    string
	Auth       Auth
	Permission models.Permission
	Errors     Format
	handle     handlerFunc
}

func (s *Server) routes() []Route {
	return []Route{
		{"GET /{$}", Session, models.SignedIn, HTML, s.OrgPicker},
		{"GET /healthz", Public, models.Public, HTML, s.Health},
		{"GET /login", Public, models.Public, HTML, s.LoginForm},
		{"POST /login", Public, models.Public, HTML, s.Login},
		{"POST /logout", Session, models.SignedIn, HTML, s.Logout},
		{"POST /sso/start", Public, models.Public, HTML, s.SSOStart},
		{"GET /sso/callback", Public, models.Public, HTML, s.SSOCallback},
		{"GET /orgs", Session, models.SignedIn, HTML, s.OrgPicker},
		{"GET /orgs/{org}", Session, models.OrgMember, HTML, s.OrgHome},
		{"GET /orgs/{org}/settings/organization", Session, models.ViewOrganization, HTML, s.Organization},
		{"POST /orgs/{org}/settings/organization/sso", Session, models.ConfigureProvisioning, HTML, s.SaveSingleSignOn},
		{"POST /orgs/{org}/settings/organization/sso/test", Session, models.ConfigureProvisioning, HTML, s.TestSingleSignOn},
		{"GET /orgs/{org}/settings/organization/members", Session, models.ViewOrganization, HTML, s.MembersFragment},
		{"GET /orgs/{org}/settings/organization/members.csv", Session, models.ViewOrganization, HTML, s.MembersExport},
		{"GET /orgs/{org}/settings/organization/members/{id}/row", Session, models.ViewOrganization, HTML, s.MemberRow},
		{"POST /orgs/{org}/settings/organization/members/{id}/seat", Session, models.AssignSeats, HTML, s.ChangeSeat},
		{"POST /orgs/{org}/settings/organization/members/{id}/buy-seat", Session, models.ManageBilling, HTML, s.BuySeat},
		{"POST /orgs/{org}/settings/organization/members/{id}/role", Session, models.GrantAdmin, HTML, s.ChangeRole},
		{"POST /orgs/{org}/settings/organization/members/{id}/remove", Session, models.ManageMembers, HTML, s.RemoveMember},
		{"POST /orgs/{org}/settings/organization/members/{id}/transfer", Session, models.TransferOwnership, HTML, s.TransferOwnership},
		{"GET /orgs/{org}/settings/organization/bulk", Session, models.AssignSeats, HTML, s.BulkBar},
		{"POST /orgs/{org}/settings/organization/bulk/review", Session, models.AssignSeats, HTML, s.BulkReview},
		{"POST /orgs/{org}/settings/organization/bulk/apply", Session, models.AssignSeats, HTML, s.BulkApply},
		{"POST /orgs/{org}/settings/organization/bulk/buy", Session, models.ManageBilling, HTML, s.BulkBuy},
		{"GET /orgs/{org}/settings/organization/bulk-invite", Session, models.ManageMembers, HTML, s.BulkInviteForm},
		{"POST /orgs/{org}/settings/organization/bulk-invite", Session, models.ManageMembers, HTML, s.BulkInvite},
		{"POST /orgs/{org}/settings/organization/bulk-invite/buy", Session, models.ManageBilling, HTML, s.BulkInviteBuy},
		{"GET /orgs/{org}/settings/organization/invitations", Session, models.ViewOrganization, HTML, s.Invitations},
		{"GET /orgs/{org}/settings/organization/invite", Session, models.ManageMembers, HTML, s.InviteForm},
		{"POST /orgs/{org}/settings/organization/invite", Session, models.ManageMembers, HTML, s.Invite},
		{"POST /orgs/{org}/settings/organization/invite/buy", Session, models.ManageBilling, HTML, s.BuyAndInvite},
		{"POST /orgs/{org}/settings/organization/invitations/{id}/resend", Session, models.ManageMembers, HTML, s.ResendInvitation},
		{"POST /orgs/{org}/settings/organization/invitations/{id}/revoke", Session, models.ManageMembers, HTML, s.RevokeInvitation},
		{"GET /orgs/{org}/settings/organization/waitlist", Session, models.ViewOrganization, HTML, s.WaitlistSection},
		{"POST /orgs/{org}/settings/organization/waitlist/{id}/admit", Session, models.AdmitWaiting, HTML, s.AdmitWaiting},
		{"POST /orgs/{org}/settings/organization/waitlist/review", Session, models.ManageBilling, HTML, s.ReviewWaitlist},
		{"POST /orgs/{org}/settings/organization/waitlist/upgrade", Session, models.ManageBilling, HTML, s.UpgradeWaitlist},
		{"GET /orgs/{org}/settings/organization/provisioning", Session, models.ViewOrganization, HTML, s.ProvisioningSection},
		{"POST /orgs/{org}/settings/organization/scim-tokens", Session, models.ConfigureProvisioning, HTML, s.CreateSCIMToken},
		{"POST /orgs/{org}/settings/organization/scim-tokens/{id}/revoke", Session, models.ConfigureProvisioning, HTML, s.RevokeSCIMToken},
		{"POST /orgs/{org}/settings/organization/mappings/preview", Session, models.ConfigureProvisioning, HTML, s.MappingsPreview},
		{"POST /orgs/{org}/settings/organization/mappings/save", Session, models.ConfigureProvisioning, HTML, s.MappingsSave},
		{"POST /orgs/{org}/settings/organization/mappings/save-and-buy", Session, models.ManageBilling, HTML, s.MappingsSaveAndBuy},
		{"GET /invitations/{token}", Public, models.Public, HTML, s.AcceptForm},
		{"POST /invitations/{token}", Public, models.Public, HTML, s.Accept},
		{"GET /orgs/{org}/settings/billing", Session, models.ViewBilling, HTML, s.Billing},
		{"GET /orgs/{org}/settings/billing/seats", Session, models.ViewBilling, HTML, s.BillingSeats},
		{"GET /orgs/{org}/settings/billing/seats/{type}/edit", Session, models.ManageBilling, HTML, s.EditSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/review", Session, models.ManageBilling, HTML, s.ReviewSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/upgrade", Session, models.ManageBilling, HTML, s.UpgradeSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/reduction", Session, models.ManageBilling, HTML, s.ScheduleReduction},
		{"POST /orgs/{org}/settings/billing/seats/{type}/reduction/cancel", Session, models.ManageBilling, HTML, s.CancelReduction},
		{"POST /orgs/{org}/settings/billing/cancel", Session, models.ManageBilling, HTML, s.CancelPlan},
		{"POST /orgs/{org}/settings/billing/resume", Session, models.ManageBilling, HTML, s.ResumePlan},
		{"POST /orgs/{org}/settings/billing/extra-usage", Session, models.ManageBilling, HTML, s.ExtraUsage},
		{"GET /orgs/{org}/settings/billing/invoices/{number}", Session, models.ViewBilling, HTML, s.Invoice},
		{"GET /orgs/{org}/settings/billing/ledger.csv", Session, models.ViewBilling, HTML, s.LedgerCSV},
		{"GET /orgs/{org}/settings/audit-log", Session, models.ViewAudit, HTML, s.AuditLog},
		{"GET /orgs/{org}/settings/audit-log/export.csv", Session, models.ViewAudit, HTML, s.AuditExport},
		{"GET /orgs/{org}/settings/organization/members/{id}/history", Session, models.ViewAudit, HTML, s.MemberHistory},

		{"GET /api/v1/access", Service, models.ReadAccess, JSON, s.AccessCheck},
		{"POST /api/v1/access", Service, models.ReadAccess, JSON, s.AccessBatch},
		{"GET /api/v1/openapi.json", Public, models.Public, JSON, s.OpenAPI},

		{"GET /scim/v2/ServiceProviderConfig", SCIM, models.Provision, SCIMJSON, s.SCIMServiceProviderConfig},
		{"GET /scim/v2/ResourceTypes", SCIM, models.Provision, SCIMJSON, s.SCIMResourceTypes},
		{"GET /scim/v2/ResourceTypes/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMResourceType},
		{"GET /scim/v2/Schemas", SCIM, models.Provision, SCIMJSON, s.SCIMSchemas},
		{"GET /scim/v2/Schemas/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMSchema},
		{"GET /scim/v2/Users", SCIM, models.Provision, SCIMJSON, s.SCIMUsers},
		{"POST /scim/v2/Users", SCIM, models.Provision, SCIMJSON, s.SCIMCreateUser},
		{"GET /scim/v2/Users/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMUser},
		{"PUT /scim/v2/Users/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMReplaceUser},
		{"PATCH /scim/v2/Users/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMPatchUser},
		{"DELETE /scim/v2/Users/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMDeleteUser},
		{"GET /scim/v2/Groups", SCIM, models.Provision, SCIMJSON, s.SCIMGroups},
		{"POST /scim/v2/Groups", SCIM, models.Provision, SCIMJSON, s.SCIMCreateGroup},
		{"GET /scim/v2/Groups/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMGroup},
		{"PUT /scim/v2/Groups/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMReplaceGroup},
		{"PATCH /scim/v2/Groups/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMPatchGroup},
		{"DELETE /scim/v2/Groups/{id}", SCIM, models.Provision, SCIMJSON, s.SCIMDeleteGroup},
	}
}
