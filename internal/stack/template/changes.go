package template

// DeployedResource is what a deployer keeps about a resource it created,
// to plan the next deploy of the stack and to delete the stack. Resolver
// assembles it (Resolver.Deployed). Properties are the resolved properties
// the resource was last created or updated with.
type DeployedResource struct {
	Type                string         `json:"type"`
	PhysicalID          string         `json:"physicalId"`
	Properties          map[string]any `json:"properties,omitempty"`
	Attributes          map[string]any `json:"attributes,omitempty"`
	DependsOn           []string       `json:"dependsOn,omitempty"`
	DeletionPolicy      string         `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"updateReplacePolicy,omitempty"`
}

// Action is what a deploy does to one resource.
type Action string

const (
	// ActionCreate: the resource is new; create it.
	ActionCreate Action = "Create"
	// ActionUpdate: the resource exists with the same type. Resolve its
	// properties when its turn comes and compare them with the deployed ones
	// (PropertiesEqual): if equal, record the deployed physical id and
	// attributes and move on; if not, update it. The comparison cannot be
	// made at plan time because properties may depend on attributes of
	// resources updated earlier in the same deploy.
	ActionUpdate Action = "Update"
	// ActionReplace: the logical id now names a resource of another type;
	// create the new one in its turn and delete the old one in Cleanup.
	ActionReplace Action = "Replace"
	// ActionDelete: delete Previous (the resource left the template, its
	// condition turned false, or it was replaced). A deployer honours
	// Previous.DeletionPolicy (Retain keeps it) and, for replacements,
	// Previous.UpdateReplacePolicy.
	ActionDelete Action = "Delete"
)

// Change is one step of a ChangeSet.
type Change struct {
	LogicalID string
	Type      string // the new type; for ActionDelete the deployed one
	Action    Action
	Previous  *DeployedResource // the deployed resource; nil for ActionCreate
}

// ChangeSet is an update of a deployed stack to a Plan, in the order
// CloudFormation uses: create and update everything in creation order
// (Apply), and only once that succeeded delete what is gone (Cleanup, in
// deletion order), so that nothing still in use disappears first.
type ChangeSet struct {
	Apply   []Change
	Cleanup []Change
}

// Changes compares the deployed resources (by logical id) with the plan.
// A first deploy passes an empty map and gets only creations.
func (pl *Plan) Changes(deployed map[string]DeployedResource) *ChangeSet {
	cs := &ChangeSet{}
	gone := map[string]DeployedResource{}
	for _, r := range pl.Resources {
		prev, ok := deployed[r.LogicalID]
		switch {
		case !ok:
			cs.Apply = append(cs.Apply, Change{LogicalID: r.LogicalID, Type: r.Type, Action: ActionCreate})
		case prev.Type != r.Type:
			cs.Apply = append(cs.Apply, Change{LogicalID: r.LogicalID, Type: r.Type, Action: ActionReplace, Previous: &prev})
			gone[r.LogicalID] = prev
		default:
			cs.Apply = append(cs.Apply, Change{LogicalID: r.LogicalID, Type: r.Type, Action: ActionUpdate, Previous: &prev})
		}
	}
	for id, prev := range deployed {
		if _, kept := pl.index[id]; !kept {
			gone[id] = prev
		}
	}
	for _, id := range DeletionOrder(gone) {
		prev := gone[id]
		cs.Cleanup = append(cs.Cleanup, Change{LogicalID: id, Type: prev.Type, Action: ActionDelete, Previous: &prev})
	}
	return cs
}
