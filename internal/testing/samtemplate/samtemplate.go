// Package samtemplate reads the parts of the SAM template (template.yaml)
// that local tools need, so that they take the table definition and the
// functions' environment from the template itself instead of from copies
// that could drift from it.
//
// The template is YAML with CloudFormation's short-form intrinsic functions
// (!Ref, !Sub, !GetAtt and so on), which a plain YAML decoder cannot map
// onto Go values; the package walks yaml.v3 nodes, where each such function
// is a node tag. The long forms ({"Ref": ...}, {"Fn::Sub": ...}) are
// recognised as well.
package samtemplate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is a parsed template.
type document struct {
	root *yaml.Node // the top-level mapping
}

func parse(template []byte) (*document, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || deref(doc.Content[0]).Kind != yaml.MappingNode {
		return nil, errors.New("parse template: not a YAML mapping")
	}
	return &document{root: deref(doc.Content[0])}, nil
}

// resource returns the resource with the given logical ID and its Type.
func (d *document) resource(logicalID string) (*yaml.Node, string, error) {
	res := field(field(d.root, "Resources"), logicalID)
	if res == nil {
		return nil, "", fmt.Errorf("template has no resource %s", logicalID)
	}
	typ, err := literal(field(res, "Type"), logicalID+".Type")
	if err != nil {
		return nil, "", err
	}
	return res, typ, nil
}

// deref follows YAML aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// field returns the value of key in mapping m, or nil if m is not a mapping
// or has no such key.
func field(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// intrinsic reports which intrinsic function n is, without the "Fn::" prefix
// ("Ref", "Sub", "GetAtt", ...), and the node holding its argument.
func intrinsic(n *yaml.Node) (name string, arg *yaml.Node, ok bool) {
	n = deref(n)
	if n == nil {
		return "", nil, false
	}
	// Short form: a local tag such as !Ref. Standard YAML tags start "!!".
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return strings.TrimPrefix(n.Tag, "!"), n, true
	}
	// Long form: a mapping with a single key Ref or Fn::Name.
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		key := n.Content[0].Value
		if key == "Ref" || key == "Condition" || strings.HasPrefix(key, "Fn::") {
			return strings.TrimPrefix(key, "Fn::"), deref(n.Content[1]), true
		}
	}
	return "", nil, false
}

// literal returns the value of a plain scalar; path names it in errors.
func literal(n *yaml.Node, path string) (string, error) {
	n = deref(n)
	if n == nil {
		return "", fmt.Errorf("%s is missing", path)
	}
	if name, _, ok := intrinsic(n); ok {
		return "", fmt.Errorf("%s uses !%s; a literal value is needed", path, name)
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s is not a single value", path)
	}
	if n.ShortTag() == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// sequence returns the items of a YAML sequence; path names it in errors.
func sequence(n *yaml.Node, path string) ([]*yaml.Node, error) {
	n = deref(n)
	if n == nil {
		return nil, fmt.Errorf("%s is missing", path)
	}
	if name, _, ok := intrinsic(n); ok {
		return nil, fmt.Errorf("%s uses !%s; a literal list is needed", path, name)
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s is not a list", path)
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = deref(item)
	}
	return items, nil
}

// oneOf returns the literal at n if it is one of allowed.
func oneOf[T ~string](n *yaml.Node, path string, allowed []T) (T, error) {
	v, err := literal(n, path)
	if err != nil {
		return "", err
	}
	if !slices.Contains(allowed, T(v)) {
		return "", fmt.Errorf("%s is %q, want one of %v", path, v, allowed)
	}
	return T(v), nil
}
