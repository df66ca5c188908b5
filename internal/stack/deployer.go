package stack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/cognito"
	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/ecr"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/iam"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/route53"
	"github.com/portolan/portolan/internal/route53resolver"
	"github.com/portolan/portolan/internal/stack/template"
	"github.com/portolan/portolan/internal/store"
)

// Config is what a Deployer needs: the services it creates resources in.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	CloudMap  *cloudmap.Control
	ECS       *ecs.Control
	Logs      *logs.Control
	APIGW     *apigw.Control
	ELBv2     *elbv2.Control
	RestAPI   *restapi.Control
	// EC2 makes AWS::EC2::{VPC,Subnet,SecurityGroup,...,VPCEndpoint} real
	// (ec2*.go); without it, they are accepted and not emulated.
	EC2     *ec2.Control
	Route53 *route53.Control
	// Resolver, when set, makes AWS::Route53Resolver::* resources real.
	Resolver *route53resolver.Control
	// IAM makes AWS::IAM::{Role,Policy,ManagedPolicy,InstanceProfile}
	// real; without it, they are accepted and not emulated.
	IAM *iam.Control
	// Cognito makes the AWS::Cognito::UserPool* types real.
	Cognito *cognito.Control
	// ECR makes AWS::ECR::Repository real; without it, repositories are
	// accepted and not emulated.
	ECR *ecr.Control
	// AppAutoScaling and CloudWatch make the ApplicationAutoScaling and
	// CloudWatch alarm types real (scaling.go).
	AppAutoScaling *appautoscaling.Control
	CloudWatch     *cloudwatch.Control
	// Extra adds handlers for more resource types.
	Extra  map[string]Handler
	Logger *slog.Logger
}

// Deployer deploys and destroys stacks.
type Deployer struct {
	cfg      Config
	handlers map[string]Handler
	log      *slog.Logger

	mu   sync.Mutex
	busy map[string]bool // stacks with an operation under way
	// exportsMu makes checking and claiming export names one step.
	exportsMu sync.Mutex
}

// New returns a Deployer over the configured services.
func New(cfg Config) *Deployer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Deployer{cfg: cfg, log: cfg.Logger, handlers: map[string]Handler{
		"AWS::ServiceDiscovery::HttpNamespace":          cloudMapNamespace{cfg.CloudMap, cloudmap.NamespaceHTTP},
		"AWS::ServiceDiscovery::PrivateDnsNamespace":    cloudMapNamespace{cfg.CloudMap, cloudmap.NamespaceDNSPrivate},
		"AWS::ServiceDiscovery::PublicDnsNamespace":     cloudMapNamespace{cfg.CloudMap, cloudmap.NamespaceDNSPublic},
		"AWS::ServiceDiscovery::Service":                cloudMapService{cfg.CloudMap},
		"AWS::ServiceDiscovery::Instance":               cloudMapInstance{cfg.CloudMap},
		"AWS::ECS::Cluster":                             ecsCluster{cfg.ECS},
		"AWS::ECS::TaskDefinition":                      ecsTaskDefinition{cfg.ECS},
		"AWS::ECS::Service":                             ecsService{cfg.ECS},
		"AWS::ECS::ClusterCapacityProviderAssociations": ecsCapacityProviders{cfg.ECS},
		"AWS::Logs::LogGroup":                           logGroup{cfg.Logs},
	}}
	if cfg.APIGW != nil {
		for t, h := range map[string]Handler{
			"AWS::ApiGatewayV2::Api":         gwApi{cfg.APIGW},
			"AWS::ApiGatewayV2::Route":       gwRoute{cfg.APIGW},
			"AWS::ApiGatewayV2::Integration": gwIntegration{cfg.APIGW},
			"AWS::ApiGatewayV2::Stage":       gwStage{cfg.APIGW},
			"AWS::ApiGatewayV2::Deployment":  gwDeployment{cfg.APIGW},
			"AWS::ApiGatewayV2::VpcLink":     gwVpcLink{cfg.APIGW},
			"AWS::ApiGatewayV2::Authorizer":  gwAuthorizer{cfg.APIGW},
			"AWS::ApiGatewayV2::DomainName":  gwDomainName{cfg.APIGW},
			"AWS::ApiGatewayV2::ApiMapping":  gwApiMapping{cfg.APIGW},
		} {
			d.handlers[t] = h
		}
	}
	if cfg.ELBv2 != nil {
		for t, h := range map[string]Handler{
			"AWS::ElasticLoadBalancingV2::LoadBalancer": elbLoadBalancer{cfg.ELBv2},
			"AWS::ElasticLoadBalancingV2::TargetGroup":  elbTargetGroup{cfg.ELBv2},
			"AWS::ElasticLoadBalancingV2::Listener":     elbListener{cfg.ELBv2},
			"AWS::ElasticLoadBalancingV2::ListenerRule": elbListenerRule{cfg.ELBv2},
		} {
			d.handlers[t] = h
		}
	}
	if cfg.RestAPI != nil {
		maps.Copy(d.handlers, restAPIHandlers(cfg.RestAPI, cfg.Region))
	}
	if cfg.EC2 != nil {
		maps.Copy(d.handlers, ec2Handlers(cfg.EC2))
	}
	if cfg.IAM != nil {
		d.handlers["AWS::IAM::Role"] = iamRole{cfg.IAM}
		d.handlers["AWS::IAM::Policy"] = iamPolicy{cfg.IAM}
		d.handlers["AWS::IAM::ManagedPolicy"] = iamManagedPolicy{cfg.IAM}
		d.handlers["AWS::IAM::InstanceProfile"] = iamInstanceProfile{cfg.IAM}
	}
	if cfg.Route53 != nil {
		d.handlers["AWS::Route53::HostedZone"] = r53HostedZone{cfg.Route53}
		d.handlers["AWS::Route53::RecordSet"] = r53RecordSetHandler{cfg.Route53}
		d.handlers["AWS::Route53::RecordSetGroup"] = r53RecordSetGroup{cfg.Route53}
	}
	if cfg.Resolver != nil {
		d.handlers["AWS::Route53Resolver::ResolverEndpoint"] = resolverEndpoint{cfg.Resolver}
		d.handlers["AWS::Route53Resolver::ResolverRule"] = resolverRule{cfg.Resolver}
		d.handlers["AWS::Route53Resolver::ResolverRuleAssociation"] = resolverRuleAssociation{cfg.Resolver}
	}
	if cfg.Cognito != nil {
		maps.Copy(d.handlers, cognitoHandlers(cfg.Cognito, cfg.Region))
	}
	if cfg.ECR != nil {
		d.handlers["AWS::ECR::Repository"] = ecrRepository{cfg.ECR}
	}
	if cfg.AppAutoScaling != nil {
		d.handlers["AWS::ApplicationAutoScaling::ScalableTarget"] = scalableTarget{cfg.AppAutoScaling}
		d.handlers["AWS::ApplicationAutoScaling::ScalingPolicy"] = scalingPolicy{cfg.AppAutoScaling}
	}
	if cfg.CloudWatch != nil {
		d.handlers["AWS::CloudWatch::Alarm"] = cloudWatchAlarm{cfg.CloudWatch}
	}
	for t, h := range cfg.Extra {
		d.handlers[t] = h
	}
	p := placeholder{region: cfg.Region, account: cfg.AccountID}
	for t := range notEmulated {
		if d.handlers[t] == nil { // a service that emulates it takes precedence
			d.handlers[t] = p
		}
	}
	return d
}

// Stack is a deployed stack as the store keeps it.
type Stack struct {
	Name        string                               `json:"name"`
	StackID     string                               `json:"stackId"`
	Status      string                               `json:"status"`
	Reason      string                               `json:"reason,omitempty"`
	Parameters  map[string]string                    `json:"parameters,omitempty"`
	Resources   map[string]template.DeployedResource `json:"resources"`
	Outputs     []template.OutputValue               `json:"outputs,omitempty"`
	NotEmulated []string                             `json:"notEmulated,omitempty"`
	// Imports are the export names the stack imports (Fn::ImportValue):
	// while it does, the stacks exporting them cannot remove or change them.
	Imports   []string  `json:"imports,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Event is one line of progress, as `aws cloudformation describe-stack-events` shows it.
type Event struct {
	Timestamp          time.Time `json:"timestamp"`
	StackName          string    `json:"stackName"`
	LogicalResourceId  string    `json:"logicalResourceId"`
	PhysicalResourceId string    `json:"physicalResourceId,omitempty"`
	ResourceType       string    `json:"resourceType"`
	ResourceStatus     string    `json:"resourceStatus"`
	Reason             string    `json:"reason,omitempty"`
}

// DeployInput is a deploy request.
type DeployInput struct {
	StackName  string
	Template   []byte
	Parameters map[string]string
	// Images maps image names in the template to something runnable here.
	Images map[string]string
	// StackID is the id a new stack gets (one is made up when empty); an
	// existing stack keeps its own.
	StackID string
	// DisableRollback leaves a failed deploy where it failed, as
	// CloudFormation's DisableRollback (OnFailure DO_NOTHING) does: the stack
	// is CREATE_FAILED or UPDATE_FAILED and keeps what was created, and
	// deploying again picks up from there.
	DisableRollback bool
}

// ErrStopping, as the cause of a deploy's context (context.WithCancelCause),
// says the server is stopping rather than the deploy being cancelled: the
// deploy stops where it is without rolling back, and Recover marks the
// stack failed when the server starts again, as after a crash.
var ErrStopping = errors.New("stack: the server is stopping")

func stackKey(name string) string { return "stack/" + name }

// Get returns a deployed stack, or nil if there is none.
func (d *Deployer) Get(ctx context.Context, name string) (*Stack, error) {
	kv, err := d.cfg.Store.Get(ctx, stackKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var s Stack
	return &s, json.Unmarshal(kv.Value, &s)
}

// List returns every stack, by name.
func (d *Deployer) List(ctx context.Context) ([]*Stack, error) {
	kvs, _, err := d.cfg.Store.List(ctx, "stack/")
	if err != nil {
		return nil, err
	}
	var out []*Stack
	for _, kv := range kvs {
		var s Stack
		if json.Unmarshal(kv.Value, &s) == nil {
			out = append(out, &s)
		}
	}
	return out, nil
}

func (d *Deployer) save(ctx context.Context, s *Stack) error {
	s.UpdatedAt = time.Now()
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = d.cfg.Store.Commit(context.WithoutCancel(ctx), store.Txn{Then: []store.Op{store.Put(stackKey(s.Name), b)}})
	return err
}

// validStackName: a letter, then letters, digits and hyphens, at most 128.
func validStackName(s string) bool {
	if s == "" || len(s) > 128 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// begin claims a stack for one operation: as in CloudFormation, a stack
// with an operation under way refuses another.
func (d *Deployer) begin(ctx context.Context, name string) (done func(), err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[name] {
		status := "an operation's"
		if st, _ := d.Get(ctx, name); st != nil {
			status = st.Status
		}
		return nil, fmt.Errorf("stack %s is in %s state and can not be updated", name, status)
	}
	if d.busy == nil {
		d.busy = map[string]bool{}
	}
	d.busy[name] = true
	return func() {
		d.mu.Lock()
		delete(d.busy, name)
		d.mu.Unlock()
	}, nil
}

// Recover marks the operations a stopped server left under way as failed
// (CREATE_IN_PROGRESS becomes CREATE_FAILED, and so on). Every resource
// they created is recorded, so deploying the stack again, or destroying
// it, picks up from there.
func (d *Deployer) Recover(ctx context.Context) error {
	stacks, err := d.List(ctx)
	if err != nil {
		return err
	}
	for _, st := range stacks {
		if op, ok := strings.CutSuffix(st.Status, "_IN_PROGRESS"); ok {
			d.log.Warn("stack operation interrupted by a restart", "stack", st.Name, "status", st.Status)
			st.Status, st.Reason = op+"_FAILED", "The server stopped during "+st.Status+"; deploy the stack again or destroy it."
			if err := d.save(ctx, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// Deploy creates the stack or updates it to the template. Everything that
// can be checked without creating anything (syntax, references, cycles,
// resource types) is checked first; a failure after that rolls back.
// Cancelling ctx cancels the deploy, as CancelUpdateStack does: it rolls
// back, and the rollback itself runs to its end.
func (d *Deployer) Deploy(ctx context.Context, in DeployInput, emit func(Event)) (*Stack, error) {
	if !validStackName(in.StackName) {
		return nil, fmt.Errorf("stack name %q must start with a letter and hold only letters, digits and hyphens (at most 128)", in.StackName)
	}
	done, err := d.begin(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	defer done()
	tpl, err := template.Parse(in.Template)
	if err != nil {
		return nil, err
	}
	prev, err := d.Get(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	st := &Stack{Name: in.StackName, Resources: map[string]template.DeployedResource{}, CreatedAt: time.Now()}
	if prev != nil {
		// Outputs (and the exports among them) stand until the deploy
		// replaces them; what the stack imported stays in use meanwhile.
		st.StackID, st.CreatedAt, st.Outputs, st.Parameters = prev.StackID, prev.CreatedAt, prev.Outputs, prev.Parameters
		for k, v := range prev.Resources {
			st.Resources[k] = v
		}
	} else {
		st.StackID = cmp.Or(in.StackID, template.StackARN(d.cfg.Region, d.cfg.AccountID, in.StackName, awsapi.NewUUID()))
	}
	stacks, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := tpl.Plan(template.Config{Region: d.cfg.Region, AccountID: d.cfg.AccountID, StackName: in.StackName, StackID: st.StackID, Parameters: in.Parameters,
		Exports: importable(stacks, in.StackName)})
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, r := range plan.Resources {
		if d.handlers[r.Type] == nil {
			unknown = append(unknown, fmt.Sprintf("%s (%s)", r.Type, r.LogicalID))
		}
		if isPlaceholder(d.handlers[r.Type]) {
			st.NotEmulated = append(st.NotEmulated, r.LogicalID+" "+r.Type)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unsupported resource types: %s", strings.Join(unknown, ", "))
	}
	sort.Strings(st.NotEmulated)
	prevParams, prevImports := st.Parameters, prevImportsOf(prev)
	st.Parameters = plan.Parameters
	st.Imports = union(prevImports, plan.Imports)

	creating := prev == nil || len(prev.Resources) == 0
	// The event goes first: whoever sees the new status finds its event.
	stackStatus := func(status, reason string) {
		emit(Event{Timestamp: time.Now(), StackName: st.Name, LogicalResourceId: st.Name, PhysicalResourceId: st.StackID, ResourceType: "AWS::CloudFormation::Stack", ResourceStatus: status, Reason: reason})
		st.Status, st.Reason = status, reason
		d.save(context.WithoutCancel(ctx), st)
	}
	verb := "UPDATE"
	if creating {
		verb = "CREATE"
	}
	stackStatus(verb+"_IN_PROGRESS", "User Initiated")

	a := &apply{d: d, st: st, plan: plan, res: plan.NewResolver(), emit: emit, images: in.Images}
	err = a.run(ctx, plan.Changes(prevResources(prev)))
	if err == nil {
		err = a.publishOutputs(ctx, st.Outputs)
	}
	if err != nil && errors.Is(context.Cause(ctx), ErrStopping) {
		d.log.Warn("deploy stopped with the server", "stack", st.Name, "err", err)
		return st, err
	}
	if err != nil && in.DisableRollback {
		stackStatus(verb+"_FAILED", err.Error())
		return st, err
	}
	if err != nil {
		d.log.Warn("deploy failed; rolling back", "stack", st.Name, "err", err)
		st.Parameters, st.Imports = prevParams, prevImports
		stackStatus(rollbackStatus(creating, "IN_PROGRESS"), err.Error())
		if rbErr := a.rollback(context.WithoutCancel(ctx), prev); rbErr != nil {
			stackStatus(rollbackStatus(creating, "FAILED"), rbErr.Error())
			return st, fmt.Errorf("%w; the rollback failed too: %v", err, rbErr)
		}
		stackStatus(rollbackStatus(creating, "COMPLETE"), "")
		return st, err
	}
	st.Imports = plan.Imports
	a.cleanup(ctx)
	stackStatus(verb+"_COMPLETE", "")
	return st, nil
}

func rollbackStatus(creating bool, phase string) string {
	if creating {
		return "ROLLBACK_" + phase
	}
	return "UPDATE_ROLLBACK_" + phase
}

func prevImportsOf(prev *Stack) []string {
	if prev == nil {
		return nil
	}
	return prev.Imports
}

// union returns the sorted names in a or b, once each.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	sort.Strings(out)
	return slices.Compact(out)
}

func prevResources(prev *Stack) map[string]template.DeployedResource {
	if prev == nil {
		return map[string]template.DeployedResource{}
	}
	return prev.Resources
}

// apply carries one deploy's progress, so a failure can undo exactly
// what was done.
type apply struct {
	d      *Deployer
	st     *Stack
	plan   *template.Plan
	res    *template.Resolver
	emit   func(Event)
	images map[string]string

	created  []string                             // logical ids created in this deploy, in order
	updated  map[string]template.DeployedResource // previous state of resources updated
	replaced []template.DeployedResource          // old resources to delete once all succeeded
	cleanups []template.Change
}

func (a *apply) event(id, typ, phys, status, reason string) {
	a.emit(Event{Timestamp: time.Now(), StackName: a.st.Name, LogicalResourceId: id, PhysicalResourceId: phys, ResourceType: typ, ResourceStatus: status, Reason: reason})
}

func (a *apply) handler(typ string) Handler { return a.d.handlers[typ] }

func (a *apply) run(ctx context.Context, cs *template.ChangeSet) error {
	a.updated = map[string]template.DeployedResource{}
	a.cleanups = cs.Cleanup
	for _, c := range cs.Apply {
		props, err := a.res.ResolveProperties(c.LogicalID)
		if err != nil {
			return err
		}
		planned, _ := a.plan.Resource(c.LogicalID)
		r := &Resource{LogicalID: c.LogicalID, Type: c.Type, Props: props, Stack: a.st.Name, Wanted: planned.Attributes, Images: a.images}
		h := a.handler(c.Type)
		switch {
		case c.Action == template.ActionUpdate && template.PropertiesEqual(c.Previous.Properties, props):
			if err := a.res.Record(c.LogicalID, c.Previous.PhysicalID, c.Previous.Attributes); err != nil {
				return err
			}
			continue
		case c.Action == template.ActionUpdate:
			r.PhysicalID, r.Attrs = c.Previous.PhysicalID, c.Previous.Attributes
			a.event(c.LogicalID, c.Type, r.PhysicalID, "UPDATE_IN_PROGRESS", "")
			attrs, err := h.Update(ctx, r, c.Previous.Properties)
			if errors.Is(err, ErrReplace) {
				a.event(c.LogicalID, c.Type, r.PhysicalID, "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.")
				a.replace(c.LogicalID, *c.Previous)
				if err := a.create(ctx, r, h); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				a.event(c.LogicalID, c.Type, r.PhysicalID, "UPDATE_FAILED", err.Error())
				return fmt.Errorf("%s (%s): %w", c.LogicalID, c.Type, err)
			}
			a.updated[c.LogicalID] = *c.Previous
			if err := a.record(r, attrs); err != nil {
				return err
			}
			a.event(c.LogicalID, c.Type, r.PhysicalID, "UPDATE_COMPLETE", "")
		default: // Create, Replace
			if c.Previous != nil {
				a.replace(c.LogicalID, *c.Previous)
			}
			if err := a.create(ctx, r, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// replace notes a resource about to be replaced: deleted once the deploy
// succeeds, the stack's resource again if it rolls back. It is noted before
// its replacement exists, since the replacement is recorded in its place
// as soon as it does.
func (a *apply) replace(id string, prev template.DeployedResource) {
	a.replaced = append(a.replaced, prev)
	a.updated[id] = prev
}

func (a *apply) create(ctx context.Context, r *Resource, h Handler) error {
	a.event(r.LogicalID, r.Type, "", "CREATE_IN_PROGRESS", "")
	// A replacement starts from the resource it replaces: forget its id, so
	// that a failure names only what this create made.
	r.PhysicalID = ""
	exists := false
	r.Exists = func(id string, attrs map[string]any) error {
		if exists {
			return nil
		}
		exists = true
		r.PhysicalID = id
		a.created = append(a.created, r.LogicalID)
		err := a.record(r, attrs)
		if err != nil {
			// It exists all the same: without its attributes, the rollback
			// still knows what to delete.
			a.record(r, nil)
		}
		return err
	}
	id, attrs, err := h.Create(ctx, r)
	switch {
	case err != nil:
	case exists:
		err = a.record(r, attrs) // the final attributes
	default:
		err = r.Exists(id, attrs)
	}
	if err != nil {
		a.event(r.LogicalID, r.Type, r.PhysicalID, "CREATE_FAILED", err.Error())
		return fmt.Errorf("%s (%s): %w", r.LogicalID, r.Type, err)
	}
	reason := ""
	if isPlaceholder(h) {
		reason = "accepted, not emulated"
	}
	a.event(r.LogicalID, r.Type, id, "CREATE_COMPLETE", reason)
	return nil
}

// record makes a resource's id and attributes available to later ones and
// persists it, so that a crash mid-deploy still knows what exists.
func (a *apply) record(r *Resource, attrs map[string]any) error {
	if err := a.res.Record(r.LogicalID, r.PhysicalID, attrs); err != nil {
		return err
	}
	dep, err := a.res.Deployed(r.LogicalID, r.Props)
	if err != nil {
		return err
	}
	a.st.Resources[r.LogicalID] = dep
	return a.d.save(context.Background(), a.st)
}

// cleanup deletes what the new template no longer has, and replaced
// resources. As in CloudFormation, a failed cleanup leaves the update
// complete: its DELETE_FAILED event names what was left behind.
func (a *apply) cleanup(ctx context.Context) {
	for _, c := range a.cleanups {
		if c.Previous == nil {
			continue
		}
		if c.Action == template.ActionDelete {
			if _, still := a.plan.Resource(c.LogicalID); !still {
				delete(a.st.Resources, c.LogicalID)
			}
		}
		a.remove(ctx, c.LogicalID, *c.Previous)
	}
	for _, old := range a.replaced {
		a.remove(ctx, "", old)
	}
	a.d.save(ctx, a.st)
}

// remove deletes one resource, reporting it as CloudFormation does. The
// error names the resource for the stack's status reason.
func (a *apply) remove(ctx context.Context, id string, dep template.DeployedResource) error {
	if dep.DeletionPolicy == "Retain" {
		a.event(id, dep.Type, dep.PhysicalID, "DELETE_SKIPPED", "")
		return nil
	}
	a.event(id, dep.Type, dep.PhysicalID, "DELETE_IN_PROGRESS", "")
	r := &Resource{LogicalID: id, Type: dep.Type, Props: dep.Properties, PhysicalID: dep.PhysicalID, Attrs: dep.Attributes, Stack: a.st.Name}
	if err := a.handler(dep.Type).Delete(ctx, r); err != nil {
		a.event(id, dep.Type, dep.PhysicalID, "DELETE_FAILED", err.Error())
		return fmt.Errorf("%s (%s): %w", id, dep.Type, err)
	}
	a.event(id, dep.Type, dep.PhysicalID, "DELETE_COMPLETE", "")
	return nil
}

// rollback undoes this deploy: resources it created are deleted in reverse
// order, resources it updated get their previous properties back. A
// resource it could not delete stays in the stack, so that destroying the
// stack tries again; the first such failure is returned.
func (a *apply) rollback(ctx context.Context, prev *Stack) error {
	var failed error
	for i := len(a.created) - 1; i >= 0; i-- {
		id := a.created[i]
		if err := a.remove(ctx, id, a.st.Resources[id]); err != nil {
			failed = cmp.Or(failed, err)
			continue
		}
		delete(a.st.Resources, id)
	}
	for id, old := range a.updated {
		cur, ok := a.st.Resources[id]
		if !ok || cur.PhysicalID != old.PhysicalID || template.PropertiesEqual(cur.Properties, old.Properties) {
			// Replaced (the old one still stands), or never changed.
			a.st.Resources[id] = old
			continue
		}
		r := &Resource{LogicalID: id, Type: old.Type, Props: old.Properties, PhysicalID: old.PhysicalID, Attrs: old.Attributes, Stack: a.st.Name}
		a.event(id, old.Type, old.PhysicalID, "UPDATE_IN_PROGRESS", "rollback")
		if _, err := a.handler(old.Type).Update(ctx, r, cur.Properties); err != nil {
			a.event(id, old.Type, old.PhysicalID, "UPDATE_FAILED", err.Error())
			failed = cmp.Or(failed, fmt.Errorf("%s (%s): %w", id, old.Type, err))
		} else {
			a.event(id, old.Type, old.PhysicalID, "UPDATE_COMPLETE", "")
		}
		a.st.Resources[id] = old
	}
	a.d.save(ctx, a.st)
	return failed
}

// Destroy deletes every resource of the stack in reverse dependency order,
// then the stack itself.
func (d *Deployer) Destroy(ctx context.Context, name string, emit func(Event)) error {
	return d.DestroyRetaining(ctx, name, nil, emit)
}

// DestroyRetaining is Destroy keeping the resources named in retain (by
// logical id): DeleteStack's RetainResources, for a stack whose deletion
// failed on them. They are left as they are and forgotten by the stack.
// A stack whose exports another stack imports is not deleted: its deletion
// fails, as in CloudFormation.
func (d *Deployer) DestroyRetaining(ctx context.Context, name string, retain []string, emit func(Event)) error {
	done, err := d.begin(ctx, name)
	if err != nil {
		return err
	}
	defer done()
	st, err := d.Get(ctx, name)
	if err != nil {
		return err
	}
	if st == nil {
		return fmt.Errorf("stack %s does not exist", name)
	}
	a := &apply{d: d, st: st, emit: emit}
	// Records are written even once ctx is cancelled: what was deleted
	// must not stay listed.
	keep := context.WithoutCancel(ctx)
	st.Status, st.Reason = "DELETE_IN_PROGRESS", "User Initiated"
	if err := d.save(keep, st); err != nil {
		return err
	}
	emit(Event{Timestamp: time.Now(), StackName: name, LogicalResourceId: name, PhysicalResourceId: st.StackID, ResourceType: "AWS::CloudFormation::Stack", ResourceStatus: st.Status, Reason: st.Reason})
	// Nothing is deleted from a stack whose exports are in use.
	failed := d.exportsInUse(keep, st)
	if failed == nil {
		failed = a.removeAll(ctx, retain)
	}
	if failed != nil && errors.Is(context.Cause(ctx), ErrStopping) {
		return fmt.Errorf("stack %s: %w", name, failed) // Recover marks it failed at the next start
	}
	if failed != nil {
		st.Status, st.Reason = "DELETE_FAILED", failed.Error()
		emit(Event{Timestamp: time.Now(), StackName: name, LogicalResourceId: name, PhysicalResourceId: st.StackID, ResourceType: "AWS::CloudFormation::Stack", ResourceStatus: st.Status, Reason: st.Reason})
		d.save(keep, st)
		return fmt.Errorf("stack %s: %w", name, failed)
	}
	if _, err := d.cfg.Store.Commit(keep, store.Txn{Then: []store.Op{store.Delete(stackKey(name))}}); err != nil {
		return err
	}
	emit(Event{Timestamp: time.Now(), StackName: name, LogicalResourceId: name, PhysicalResourceId: st.StackID, ResourceType: "AWS::CloudFormation::Stack", ResourceStatus: "DELETE_COMPLETE"})
	return nil
}

// removeAll deletes the stack's resources in reverse dependency order,
// skipping those in retain. A resource that cannot be deleted stays in the
// stack, as does the stack, so that destroying it again retries what is
// left; the first failure is returned.
func (a *apply) removeAll(ctx context.Context, retain []string) error {
	keep := context.WithoutCancel(ctx)
	var failed error
	for _, id := range template.DeletionOrder(a.st.Resources) {
		dep := a.st.Resources[id]
		if slices.Contains(retain, id) {
			a.event(id, dep.Type, dep.PhysicalID, "DELETE_SKIPPED", "")
		} else if err := a.remove(ctx, id, dep); err != nil {
			failed = cmp.Or(failed, err)
			continue
		}
		delete(a.st.Resources, id)
		a.d.save(keep, a.st)
	}
	return failed
}
