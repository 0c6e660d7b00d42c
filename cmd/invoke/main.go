// Command invoke runs one function's built bootstrap under the AWS Lambda
// Runtime Interface Emulator with one event, like "sam local invoke" but
// without Docker. "make invoke FN=<LogicalId> EVENT=<file>" builds the
// bootstrap for this machine and runs it.
//
// The function gets the environment template.yaml declares for it,
// overlaid with its block in infra/env.json (the file "sam local invoke
// --env-vars" reads) and with the caller's AWS credentials, region and
// endpoint variables. The emulator's and the function's output goes to
// stderr and the response payload to stdout. The exit status is 1 if the
// invocation failed, and 2 for bad usage.
//
// Usage:
//
//	go run ./cmd/invoke -function SubmitFunction -event infra/events/submit-json.json -bootstrap path/to/bootstrap [-param Name=Value ...]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"example.com/appointments/internal/testing/rie"
)

const (
	buildTimeout = 5 * time.Minute
	startTimeout = 20 * time.Second
	// invokeTimeout is a backstop: the emulator itself ends an invocation
	// that outlasts the function's timeout.
	invokeTimeout = 2 * time.Minute
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// params collects repeated -param Name=Value flags.
type params map[string]string

func (p params) String() string { return fmt.Sprint(map[string]string(p)) }

func (p params) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want Name=Value, got %q", s)
	}
	p[name] = value
	return nil
}

func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	function := fs.String("function", "", "the function's logical ID in the template, such as SubmitFunction")
	eventPath := fs.String("event", "", "the event file to invoke the function with, or - for stdin")
	bootstrap := fs.String("bootstrap", "", "the function's bootstrap, built for this machine")
	templatePath := fs.String("template", "template.yaml", "the SAM template")
	envVarsPath := fs.String("env-vars", "infra/env.json", "the JSON file of environment variables by function, as for sam local invoke --env-vars; empty for none")
	values := params{}
	fs.Var(values, "param", "a template parameter's value, as `Name=Value`; repeatable")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *function == "" || *eventPath == "" || *bootstrap == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: invoke -function LogicalId -event file -bootstrap file [-param Name=Value ...]")
		fs.PrintDefaults()
		return 2
	}

	env, err := prepare(*function, *templatePath, *envVarsPath, values, environ, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "invoke: %v\n", err)
		return 1
	}
	event, err := readEvent(*eventPath, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "invoke: %v\n", err)
		return 1
	}
	body, err := invoke(ctx, *bootstrap, env, event, stderr)
	var fe *rie.FunctionError
	switch {
	case errors.As(err, &fe):
		// Like Lambda, the error payload is the response; the status says
		// that it is one.
		stdout.Write(pretty(fe.Payload))
		fmt.Fprintf(stderr, "invoke: %s failed: %s: %s\n", *function, fe.Type, fe.Message)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "invoke: %v\n", err)
		return 1
	}
	stdout.Write(pretty(body))
	return 0
}

// prepare reads the template and the env vars file and assembles the
// function's environment, printing any warnings.
func prepare(function, templatePath, envVarsPath string, values params, environ []string, stderr io.Writer) ([]string, error) {
	template, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	var envVars []byte
	if envVarsPath != "" {
		if envVars, err = os.ReadFile(envVarsPath); err != nil {
			return nil, err
		}
	}
	env, warnings, err := environment(function, template, envVars, envVarsPath, values, environ)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "invoke: warning: %s\n", w)
	}
	return env, err
}

func readEvent(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read event from stdin: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(path)
}

// invoke runs bootstrap under the emulator, invokes it once with event and
// stops it, copying the emulator's and the function's output to logs.
func invoke(ctx context.Context, bootstrap string, env []string, event []byte, logs io.Writer) ([]byte, error) {
	buildCtx, cancel := context.WithTimeout(ctx, buildTimeout)
	emulator, err := rie.BuildEmulator(buildCtx, ".")
	cancel()
	if err != nil {
		return nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	fn, err := rie.Start(startCtx, rie.Config{Emulator: emulator, Bootstrap: bootstrap, Env: env})
	cancel()
	if err != nil {
		return nil, err
	}
	invokeCtx, cancel := context.WithTimeout(ctx, invokeTimeout)
	body, err := fn.Invoke(invokeCtx, event)
	cancel()
	// The output is printed before Close so that the emulator's shutdown
	// messages do not follow the function's own.
	out, outErr := fn.Output()
	io.WriteString(logs, out)
	return body, errors.Join(err, outErr, fn.Close())
}

// pretty indents a JSON payload for reading, and ends it with a newline.
// Anything else is returned as it is.
func pretty(payload []byte) []byte {
	var b bytes.Buffer
	if err := json.Indent(&b, payload, "", "  "); err != nil {
		return append(payload, '\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}
