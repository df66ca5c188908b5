// Package template is the CloudFormation template engine behind
// `portolan deploy -f TEMPLATE --stack-name NAME`: it parses a template,
// plans a deployment of it and evaluates its intrinsic functions. It calls
// no service; the deployer in package stack does, resource by resource, in
// the order a Plan gives, feeding back what each created resource returns.
//
// The flow:
//
//	t, err := template.Parse(data)                 // YAML or JSON; structure and names checked
//	plan, err := t.Plan(template.Config{...})      // parameters, conditions, dependencies, order
//	changes := plan.Changes(deployedState)         // empty state on a first deploy
//	res := plan.NewResolver()
//	for _, c := range changes.Apply {              // creation order
//	    props, err := res.ResolveProperties(c.LogicalID)
//	    // Create/Replace: create. Update: if template.PropertiesEqual(
//	    // c.Previous.Properties, props), keep c.Previous; else update.
//	    res.Record(c.LogicalID, physicalID, attributes) // what Ref and Fn::GetAtt return
//	    state[c.LogicalID], _ = res.Deployed(c.LogicalID, props)
//	}
//	outputs, err := res.Outputs()
//	for _, c := range changes.Cleanup { ... }      // delete c.Previous, dependents first
//
// Everything that can be checked without creating a resource is checked by
// Parse and Plan, so a template with a cycle, a reference to an unknown
// name or a bad Fn::Select index fails before the first service call.
//
// Values are plain Go: map[string]any, []any, string, int64, float64, bool
// and nil. Template numbers stay numbers (`Cpu: 512` is int64 512, `Cpu:
// "512"` a string) and what Ref returns for a parameter is always text, as
// in CloudFormation; the deployer coerces each property to the type its
// service call wants. Unquoted YAML numbers with leading zeros
// (012345678901) stay strings.
//
// Supported: the Parameters, Mappings, Conditions, Resources and Outputs
// sections; Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split,
// Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition, Fn::GetAZs,
// Fn::FindInMap, Fn::Base64 and Fn::ImportValue (from Config.Exports), in
// long form and as YAML short forms (!Ref, !GetAtt ...); the pseudo
// parameters. Not supported, with an error saying so: Transform (SAM and
// macros), Fn::Cidr and the AWS::LanguageExtensions functions. The Rules section is
// accepted and not evaluated (Template.Notes says so).
package template
