package main

import (
	"errors"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// settings are NotifyFunction's settings in template.yaml that shape how
// Lambda hands it a stream.
type settings struct {
	// timeout is the function's Timeout, each invocation's time.
	timeout int
	// batchSize and maxRetries are the stream event's BatchSize and
	// MaximumRetryAttempts.
	batchSize, maxRetries int
}

// readSettings reads NotifyFunction's settings from the template. Only the
// nodes it needs are read: the rest of the template uses CloudFormation's
// short-form tags.
func readSettings(template []byte) (settings, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return settings{}, err
	}
	if len(doc.Content) == 0 {
		return settings{}, errors.New("template.yaml is empty")
	}
	root := doc.Content[0]
	fn := field(root, "Resources", "NotifyFunction", "Properties")
	stream := field(fn, "Events", "RequestsStream", "Properties")
	var s settings
	var err error
	timeout := field(fn, "Timeout")
	if timeout == nil {
		timeout = field(root, "Globals", "Function", "Timeout")
	}
	if s.timeout, err = number(timeout, "NotifyFunction's Timeout"); err != nil {
		return s, err
	}
	if s.batchSize, err = number(field(stream, "BatchSize"), "RequestsStream's BatchSize"); err != nil {
		return s, err
	}
	if s.maxRetries, err = number(field(stream, "MaximumRetryAttempts"), "RequestsStream's MaximumRetryAttempts"); err != nil {
		return s, err
	}
	return s, nil
}

// field follows keys down nested mappings; nil when one is missing.
func field(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func number(n *yaml.Node, what string) (int, error) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("template.yaml gives no %s", what)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("template.yaml's %s is %q, not a number", what, n.Value)
	}
	return v, nil
}
