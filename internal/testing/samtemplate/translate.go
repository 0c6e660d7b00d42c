package samtemplate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Tests and tools that check IAM read the CloudFormation template AWS
// deploys, not template.yaml itself: the SAM transform adds roles, managed
// policies and statements for functions and their events that the source
// never shows. translate.py runs the transform.

//go:embed translate.py
var translateScript string

// TranslateInstallHint says how to get what Translate needs.
const TranslateInstallHint = "pip install aws-sam-translator (cfn-lint includes it)"

// Translate returns the CloudFormation template the SAM translator makes of
// the SAM template at file, given the stack's parameter values params (nil
// for none: every parameter then has its default or no value). It runs
// Python 3 with the aws-sam-translator package, offline, for us-east-1.
func Translate(file string, params map[string]string) (map[string]any, error) {
	python, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("python3 is not on PATH (%v); install Python 3, then %s", err, TranslateInstallHint)
	}
	args := []string{"-c", translateScript, file}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		args = append(args, name+"="+params[name])
	}
	cmd := exec.Command(python, args...)
	// The translator builds a boto3 session for its fixed Region; a
	// developer's AWS_PROFILE naming a profile that ~/.aws does not define
	// would make that fail, and nothing else of the environment is wanted.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// The script's own message says how to install what it lacks.
		return nil, fmt.Errorf("translate %s: %v\n%s", file, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var tmpl map[string]any
	if err := json.Unmarshal(out, &tmpl); err != nil {
		return nil, fmt.Errorf("translate %s: output is not a JSON template: %v", file, err)
	}
	return tmpl, nil
}
