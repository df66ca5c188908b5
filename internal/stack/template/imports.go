package template

// importValue is Fn::ImportValue: the value another stack exports under a
// name. The name must be known before anything is created, as in
// CloudFormation, so it may use parameters and pseudo parameters but not
// resources; Plan records it in Plan.Imports.
func (e *evaluator) importValue(arg any, path string) (any, error) {
	name, known, err := e.evalString(arg, path, "Fn::ImportValue takes an export name, not %s")
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, e.errorf(path, "the attribute in Fn::ImportValue must not depend on any resources, imported values, or Fn::GetAZs")
	}
	value, ok := e.cfg.Exports[name]
	if !ok {
		return nil, &Error{Path: path, Msg: "No export named " + name + " found."}
	}
	if e.imports != nil {
		e.imports[name] = true
	}
	return value, nil
}
