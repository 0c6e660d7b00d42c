package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"example.com/appointments/internal/testing/awsstub"
	"example.com/appointments/internal/testing/samtemplate"
)

// The deployment the functions are given: template.yaml's variables with
// these parameters and resources.
const (
	stackName  = "bench"
	accountID  = "123456789012"
	apiBaseURL = "https://a1b2c3d4e5.execute-api." + awsstub.Region + ".amazonaws.com"
	tableName  = stackName + "-RequestsTable"
)

var (
	templateParams = map[string]string{
		"AllowedOrigins": "https://www.example.com",
		"ThankYouUrl":    "https://www.example.com/thank-you",
		"SenderEmail":    "appointments@example.com",
		"FrontDeskEmail": "frontdesk@example.com",
	}
	templateRefs = map[string]string{
		"AWS::StackName":        stackName,
		"AWS::Region":           awsstub.Region,
		"AWS::AccountId":        accountID,
		"RequestsTable":         tableName,
		"EmailConfigurationSet": stackName + "-EmailConfigurationSet",
		"HashingKeySecret":      secretARN("HashingKeySecret-AbCdEf"),
		"ActionLinkKeySecret":   secretARN("ActionLinkKeySecret-GhIjKl"),
	}
	// computed are the variables the template computes with !Sub, which
	// samtemplate leaves to the caller.
	computed = map[string]string{
		"MANAGE_BASE_URL": apiBaseURL,
	}
)

func secretARN(name string) string {
	return "arn:aws:secretsmanager:" + awsstub.Region + ":" + accountID + ":secret:" + stackName + "-" + name
}

// functionName is the name Lambda gives a function of the stack.
func functionName(p program) string {
	if p.logicalID == "" {
		return stackName + "-Floor"
	}
	return stackName + "-" + p.logicalID
}

func functionARN(p program) string {
	return "arn:aws:lambda:" + awsstub.Region + ":" + accountID + ":function:" + functionName(p)
}

// lambdaEnv is the whole environment of a function's process, as Lambda
// gives it on provided.al2023 with the template's settings (128 MB, JSON
// logs at INFO): the template's variables for the function, Lambda's own,
// and the region, credentials and endpoint that point the SDK at the stub.
// Nothing of the harness's own environment is passed on, a CA bundle
// least of all.
func lambdaEnv(root string, p program, stub *awsstub.Server, bin string) ([]string, error) {
	vars := map[string]string{}
	if p.logicalID != "" {
		template, err := os.ReadFile(filepath.Join(root, "template.yaml"))
		if err != nil {
			return nil, err
		}
		env, err := samtemplate.FunctionEnvironment(template, p.logicalID, templateParams, templateRefs)
		var unresolved *samtemplate.UnresolvedError
		if errors.As(err, &unresolved) {
			for _, u := range unresolved.Variables {
				v, ok := computed[u.Variable]
				if !ok {
					return nil, err
				}
				env[u.Variable] = v
			}
		} else if err != nil {
			return nil, err
		}
		vars = env
	}
	name := functionName(p)
	dir := filepath.Dir(bin)
	maps.Copy(vars, map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_LOG_LEVEL":            "INFO",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_XRAY_CONTEXT_MISSING":        "LOG_ERROR",
		"AWS_XRAY_DAEMON_ADDRESS":         "169.254.79.129:2000",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"TZ":                              ":UTC",
	})
	for _, kv := range stub.Env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if caBundleVar(k) {
			return nil, fmt.Errorf("%s would be given %s", p.name, k)
		}
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}
