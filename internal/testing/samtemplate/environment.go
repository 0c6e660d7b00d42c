package samtemplate

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FunctionEnvironment returns the environment variables the template gives
// the function with the given logical ID: its Environment.Variables merged
// over Globals.Function.Environment.Variables, as SAM does.
//
// Plain values are kept as written. A !Ref X resolves to params[X] if given,
// else to the Default of parameter X, else to refs[X], which is where the
// caller supplies values for resources (such as a local table's name) and
// pseudo parameters. Other intrinsic functions are not evaluated.
//
// AWS::StackName alone, when neither params nor refs gives it, resolves to
// LocalStackName, as it does under sam local: a stack's name only labels
// what the functions write (their metrics' Stack dimension), so any name
// serves locally, whereas a made-up Region or account would point a
// function at the wrong place.
//
// Values that cannot be resolved are left out of the map, which is returned
// together with an *UnresolvedError naming each of them, so that a caller
// that sets those variables some other way can still use the rest.
func FunctionEnvironment(template []byte, logicalID string, params map[string]string, refs map[string]string) (map[string]string, error) {
	doc, err := parse(template)
	if err != nil {
		return nil, err
	}
	res, typ, err := doc.resource(logicalID)
	if err != nil {
		return nil, err
	}
	var layers []*yaml.Node
	switch typ {
	case "AWS::Serverless::Function":
		// Globals apply only to SAM's own resource types.
		layers = append(layers, field(field(field(doc.root, "Globals"), "Function"), "Environment"))
	case "AWS::Lambda::Function":
	default:
		return nil, fmt.Errorf("%s is a %s, not a function", logicalID, typ)
	}
	layers = append(layers, field(field(res, "Properties"), "Environment"))

	vars := map[string]*yaml.Node{}
	for _, env := range layers {
		v := field(env, "Variables")
		if v == nil {
			continue
		}
		if name, _, ok := intrinsic(v); ok {
			return nil, fmt.Errorf("%s: Environment.Variables uses !%s; a literal mapping is needed", logicalID, name)
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: Environment.Variables is not a mapping", logicalID)
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			vars[v.Content[i].Value] = deref(v.Content[i+1])
		}
	}

	r := resolver{parameters: field(doc.root, "Parameters"), resources: field(doc.root, "Resources"), params: params, refs: refs}
	env := make(map[string]string, len(vars))
	var unresolved []Unresolved
	for name, n := range vars {
		value, u := r.resolve(n)
		if u != nil {
			u.Variable = name
			unresolved = append(unresolved, *u)
			continue
		}
		env[name] = value
	}
	if len(unresolved) > 0 {
		sort.Slice(unresolved, func(i, j int) bool { return unresolved[i].Variable < unresolved[j].Variable })
		return env, &UnresolvedError{Function: logicalID, Variables: unresolved}
	}
	return env, nil
}

// LocalStackName is the stack name FunctionEnvironment gives !Ref
// AWS::StackName when the caller gives none: the one sam local uses.
const LocalStackName = "local"

// Unresolved is an environment variable whose value FunctionEnvironment
// could not work out.
type Unresolved struct {
	// Variable is the environment variable, such as SENDER_EMAIL.
	Variable string
	// Ref is the name the value references with !Ref, if it does.
	Ref string
	// Parameter says whether Ref names a template parameter.
	Parameter bool
	// Reason says why, for people.
	Reason string
}

// UnresolvedError lists a function's environment variables whose values
// could not be resolved, sorted by variable.
type UnresolvedError struct {
	Function  string
	Variables []Unresolved
}

func (e *UnresolvedError) Error() string {
	parts := make([]string, len(e.Variables))
	for i, u := range e.Variables {
		parts[i] = u.Variable + " (" + u.Reason + ")"
	}
	return fmt.Sprintf("%s: unresolved environment variables: %s", e.Function, strings.Join(parts, "; "))
}

// resolver works out the values of environment variables.
type resolver struct {
	parameters, resources *yaml.Node
	params, refs          map[string]string
}

func (r resolver) resolve(n *yaml.Node) (string, *Unresolved) {
	name, arg, ok := intrinsic(n)
	if !ok {
		if n.Kind != yaml.ScalarNode {
			return "", &Unresolved{Reason: "not a single value"}
		}
		if n.ShortTag() == "!!null" {
			return "", nil
		}
		return n.Value, nil
	}
	if name != "Ref" {
		return "", &Unresolved{Reason: "!" + name + " is not evaluated locally"}
	}
	if arg.Kind != yaml.ScalarNode {
		return "", &Unresolved{Reason: "!Ref of something other than a name"}
	}
	ref := arg.Value
	if v, ok := r.params[ref]; ok {
		return v, nil
	}
	param := field(r.parameters, ref)
	if param != nil {
		if def := field(param, "Default"); def != nil {
			v, err := literal(def, "Parameters."+ref+".Default")
			if err != nil {
				return "", &Unresolved{Ref: ref, Parameter: true, Reason: err.Error()}
			}
			return v, nil
		}
	}
	if v, ok := r.refs[ref]; ok {
		return v, nil
	}
	if ref == "AWS::StackName" {
		return LocalStackName, nil
	}
	u := &Unresolved{Ref: ref, Parameter: param != nil}
	switch {
	case param != nil:
		u.Reason = "!Ref " + ref + ": parameter without a default, and no value was given"
	case field(r.resources, ref) != nil:
		u.Reason = "!Ref " + ref + ": no local value was given for the resource"
	case strings.HasPrefix(ref, "AWS::"):
		u.Reason = "!Ref " + ref + ": no local value was given for the pseudo parameter"
	default:
		u.Reason = "!Ref " + ref + ": the template declares no such parameter or resource"
	}
	return "", u
}
