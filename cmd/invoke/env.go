package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"example.com/appointments/internal/testing/samtemplate"
)

// dockerHost is how a function running in Docker, as under sam local,
// reaches the host. infra/env.json uses it; here the function runs on the
// host itself.
const dockerHost = "host.docker.internal"

// placeholderCredential is the access key ID and secret key a function gets
// when the caller has no credentials of their own.
const placeholderCredential = "local-invoke-placeholder"

// callerVariables are the caller's own AWS settings that reach the function:
// what Lambda itself would provide (credentials, region) and what points the
// SDK at a local emulator. AWS_PROFILE is not among them because the
// function runs with an empty HOME, where no profile exists.
var callerVariables = []string{
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_REGION",
	"AWS_DEFAULT_REGION",
	"AWS_ENDPOINT_URL",
}

// environment returns the function's environment as "KEY=value" entries,
// sorted, and warnings for the user. In increasing precedence it holds:
//   - the variables template.yaml gives the function, with !Ref resolved
//     through params and the parameters' defaults;
//   - the entries of the env vars file (the JSON of "sam local invoke
//     --env-vars"): its "Parameters" block, then the function's own block.
//     As with sam local, only variables the template declares are set;
//   - the caller's AWS credentials, region and endpoint variables (from
//     environ), so that a local emulator the caller points at wins over the
//     file's, which is meant for Docker.
//
// envVars may be nil; envVarsName names it in messages.
func environment(function string, template, envVars []byte, envVarsName string, params map[string]string, environ []string) ([]string, []string, error) {
	vars, err := samtemplate.FunctionEnvironment(template, function, params, nil)
	var unresolved *samtemplate.UnresolvedError
	if err != nil && !errors.As(err, &unresolved) {
		return nil, nil, err
	}
	declared := map[string]bool{}
	for k := range vars {
		declared[k] = true
	}
	pending := map[string]samtemplate.Unresolved{}
	if unresolved != nil {
		for _, u := range unresolved.Variables {
			declared[u.Variable] = true
			pending[u.Variable] = u
		}
	}

	var warnings []string
	if envVars != nil {
		blocks, err := parseEnvVars(envVars, envVarsName)
		if err != nil {
			return nil, nil, err
		}
		for _, block := range []string{"Parameters", function} {
			for _, k := range sortedKeys(blocks[block]) {
				if !declared[k] {
					warnings = append(warnings, fmt.Sprintf("%s sets %s in %q, which template.yaml does not declare for %s; ignored, as sam local does", envVarsName, k, block, function))
					continue
				}
				vars[k] = fromDocker(k, blocks[block][k])
				delete(pending, k)
			}
		}
	}
	if len(pending) > 0 {
		return nil, warnings, missingError(function, envVarsName, pending)
	}

	caller := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if slices.Contains(callerVariables, k) || strings.HasPrefix(k, "AWS_ENDPOINT_URL_") {
			caller[k] = v
		}
	}
	for k, v := range caller {
		vars[k] = v
	}
	// Lambda sets both region variables to the same value; an SDK reading
	// either must not see the emulator's default in the other.
	if region := firstNonEmpty(caller["AWS_REGION"], caller["AWS_DEFAULT_REGION"]); region != "" {
		vars["AWS_REGION"], vars["AWS_DEFAULT_REGION"] = region, region
	}
	// Lambda always gives a function its role's credentials, and the
	// functions refuse to start without them. Without the caller's,
	// placeholders stand in, so that what needs no AWS still runs; moto
	// accepts them and AWS refuses them.
	if vars["AWS_ACCESS_KEY_ID"] == "" && vars["AWS_SECRET_ACCESS_KEY"] == "" {
		vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"] = placeholderCredential, placeholderCredential
	}
	vars["AWS_LAMBDA_FUNCTION_NAME"] = function

	env := make([]string, 0, len(vars))
	for _, k := range sortedKeys(vars) {
		env = append(env, k+"="+vars[k])
	}
	return env, warnings, nil
}

// parseEnvVars reads an env vars file: an object of blocks, each an object
// of variables with string, number or boolean values.
func parseEnvVars(b []byte, name string) (map[string]map[string]string, error) {
	var raw map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	blocks := make(map[string]map[string]string, len(raw))
	for block, vars := range raw {
		blocks[block] = make(map[string]string, len(vars))
		for k, v := range vars {
			switch v := v.(type) {
			case string:
				blocks[block][k] = v
			case json.Number, bool:
				blocks[block][k] = fmt.Sprint(v)
			default:
				return nil, fmt.Errorf("read %s: %s.%s is not a string, number or boolean", name, block, k)
			}
		}
	}
	return blocks, nil
}

// fromDocker rewrites an endpoint that reaches the host from inside Docker
// into one that reaches it from the host.
func fromDocker(key, value string) string {
	if key != "AWS_ENDPOINT_URL" && !strings.HasPrefix(key, "AWS_ENDPOINT_URL_") {
		return value
	}
	u, err := url.Parse(value)
	if err != nil || u.Hostname() != dockerHost {
		return value
	}
	if port := u.Port(); port != "" {
		u.Host = net.JoinHostPort("127.0.0.1", port)
	} else {
		u.Host = "127.0.0.1"
	}
	return u.String()
}

// missingError explains how to give each unresolved variable a value.
func missingError(function, envVarsName string, pending map[string]samtemplate.Unresolved) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s needs values that template.yaml does not provide:", function)
	for _, k := range sortedKeys(pending) {
		u := pending[k]
		var ways []string
		if u.Ref != "" && !strings.HasPrefix(u.Ref, "AWS::") {
			ways = append(ways, fmt.Sprintf("pass -param %s=VALUE (make invoke PARAMS=%s=VALUE)", u.Ref, u.Ref))
		}
		if envVarsName != "" {
			ways = append(ways, fmt.Sprintf("set %s in the %q block of %s", k, function, envVarsName))
		}
		fmt.Fprintf(&b, "\n  %s: %s", k, u.Reason)
		if len(ways) > 0 {
			fmt.Fprintf(&b, "; %s", strings.Join(ways, " or "))
		}
	}
	return errors.New(b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
