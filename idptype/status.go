package idptype

// ShareStatus is the status of a resource-sharing share.
type ShareStatus string

const (
	ShareActive   ShareStatus = "active"
	ShareDeleting ShareStatus = "deleting"
	ShareDeleted  ShareStatus = "deleted"
)

// RecipientStatus is the association status of a share recipient; removed
// recipients stay listed as disassociated.
type RecipientStatus string

const (
	Associating    RecipientStatus = "associating"
	Associated     RecipientStatus = "associated"
	Disassociating RecipientStatus = "disassociating"
	Disassociated  RecipientStatus = "disassociated"
)

// ShareTarget is whom a share is for: listed accounts, or the whole organization.
type ShareTarget string

const (
	TargetAccount      ShareTarget = "account"
	TargetOrganization ShareTarget = "organization"
)

// ShareKind says, in a share listing, whether the caller's account sent the
// share or received it.
type ShareKind string

const (
	ShareSent     ShareKind = "sent"
	ShareReceived ShareKind = "received"
)

// ResourceType is the type of a resource carried by a share.
type ResourceType string

// ResourceFederationGrant is the only resource type idpsync shares.
const ResourceFederationGrant ResourceType = "idp-federation-grant"
