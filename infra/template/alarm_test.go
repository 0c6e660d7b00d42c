package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/metrics"
)

// alarm is what one alarm of the template must watch.
type alarm struct {
	id     string
	metric string
	// namespace and dimensions are those of an AWS service's metric, as in
	// the translated template.
	namespace  string
	dimensions []any
	// writer is the function that writes a metric of its own (in its
	// METRICS_NAMESPACE); own are the dimensions it writes besides Stack.
	writer string
	own    map[string]string

	statistic string
	threshold float64
	// missing is TreatMissingData; notBreaching unless said.
	missing string
	// below says the alarm fires when the metric falls below the
	// threshold (LessThanThreshold), rather than when it reaches it.
	below bool
	// period is the length of a period in seconds, 300 unless said, and
	// periods the number of consecutive periods that must breach before
	// the alarm fires, 1 unless said.
	period, periods float64
}

// functions are the stack's functions; each has an Errors and a Throttles
// alarm.
var functions = []string{"SubmitFunction", "NotifyFunction", "ManageFunction", "DigestFunction", "FeedbackFunction", "RemindFunction"}

// alarms lists every alarm of the template. An alarm added to the template
// is added here too, with what it watches.
func alarms() []alarm {
	list := []alarm{
		{id: "NotifyDeadLetterAlarm", namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible",
			dimensions: dimensions("QueueName", getAtt("NotifyDeadLetterQueue", "QueueName")), statistic: "Maximum", threshold: 1, period: 60},
		{id: "FeedbackDeadLetterAlarm", namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible",
			dimensions: dimensions("QueueName", getAtt("FeedbackDeadLetterQueue", "QueueName")), statistic: "Maximum", threshold: 1, period: 60},
		// Five minutes, in milliseconds.
		{id: "NotifyIteratorAgeAlarm", namespace: "AWS/Lambda", metric: "IteratorAge",
			dimensions: dimensions("FunctionName", ref("NotifyFunction")), statistic: "Maximum", threshold: 300000},
		// What notify.Handler counts when SES refuses an email for good, and
		// when the hourly cap holds a patient's email back.
		{id: "PatientEmailFailedAlarm", writer: "NotifyFunction", metric: "EmailsFailed",
			own: map[string]string{"Kind": string(appointment.EmailPatient)}, statistic: "Sum", threshold: 1},
		{id: "FrontDeskEmailFailedAlarm", writer: "NotifyFunction", metric: "EmailsFailed",
			own: map[string]string{"Kind": string(appointment.EmailFrontDesk)}, statistic: "Sum", threshold: 1},
		// Every kind of patient email the cap holds back, counted without
		// its kind.
		{id: "ConfirmationsSuppressedAlarm", writer: "NotifyFunction", metric: "ConfirmationsSuppressed", statistic: "Sum", threshold: 1},
		// What httpapi.Handler counts for each answer with a 5xx status.
		{id: "SubmitServerErrorsAlarm", writer: "SubmitFunction", metric: httpapi.MetricServerErrors, statistic: "Sum", threshold: 1},
		// An HTTP API's metrics are published per ApiId (and per ApiId and
		// Stage); the API has the one stage $default.
		{id: "ApiServerErrorsAlarm", namespace: "AWS/ApiGateway", metric: "5xx",
			dimensions: dimensions("ApiId", ref("AppointmentsApi")), statistic: "Sum", threshold: 1},
		// The account's reputation: well below the 5% bounce and 0.1%
		// complaint rates at which SES reviews an account. The rates arrive
		// now and then; between them the last one holds.
		{id: "SesBounceRateAlarm", namespace: "AWS/SES", metric: "Reputation.BounceRate", statistic: "Average", threshold: 0.02, missing: "ignore", period: 3600},
		{id: "SesComplaintRateAlarm", namespace: "AWS/SES", metric: "Reputation.ComplaintRate", statistic: "Average", threshold: 0.0005, missing: "ignore", period: 3600},
		// The reminders' schedule stopped: no sweep at all in a quarter of
		// an hour, when one runs every five minutes. No data is no
		// invocation, so missing data breaches.
		{id: "RemindSweepMissingAlarm", namespace: "AWS/Lambda", metric: "Invocations",
			dimensions: dimensions("FunctionName", ref("RemindFunction")), statistic: "Sum", threshold: 1,
			below: true, missing: "breaching", period: 900},
	}
	for _, fn := range functions {
		short := strings.TrimSuffix(fn, "Function")
		for _, metric := range []string{"Errors", "Throttles"} {
			a := alarm{id: short + metric + "Alarm", namespace: "AWS/Lambda", metric: metric,
				dimensions: dimensions("FunctionName", ref(fn)), statistic: "Sum", threshold: 1}
			// A failed sweep is retried by the next, five minutes on:
			// only three failing in a row, a quarter of an hour of due
			// reminders not going out, is worth a page.
			if fn == "RemindFunction" && metric == "Errors" {
				a.periods = 3
			}
			list = append(list, a)
		}
	}
	return list
}

// TestAlarms checks each alarm of the translated template: it watches the
// metric, namespace and dimensions that are written, with the statistic,
// threshold, comparison, period and number of periods above. For a metric of the functions' own, the namespace
// is the writing function's METRICS_NAMESPACE, and the dimensions are
// exactly those of the data points internal/metrics writes (CloudWatch
// matches a data point to an alarm only on the whole set), with Stack the
// stack's name, which is also the function's STACK_NAME.
func TestAlarms(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	want := alarms()
	wantIDs := map[string]bool{}
	for _, a := range want {
		wantIDs[a.id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) == "AWS::CloudWatch::Alarm" && !wantIDs[id] {
			t.Errorf("%s is not in alarm_test.go's list; add it with the metric it watches", id)
		}
	}

	for _, a := range want {
		t.Run(a.id, func(t *testing.T) {
			r, _ := resources[a.id].(map[string]any)
			if resourceType(r) != "AWS::CloudWatch::Alarm" {
				t.Fatalf("the template has no alarm %s", a.id)
			}
			props := dig(r, "Properties")
			namespace, dims := a.namespace, a.dimensions
			if a.writer != "" {
				namespace, dims = written(t, resources, a)
			}
			missing := a.missing
			if missing == "" {
				missing = "notBreaching"
			}
			comparison := "GreaterThanOrEqualToThreshold"
			if a.below {
				comparison = "LessThanThreshold"
			}
			period, periods := a.period, a.periods
			if period == 0 {
				period = 300
			}
			if periods == 0 {
				periods = 1
			}
			// Of the periods evaluated, the number that must breach:
			// all of them, CloudWatch's default when none is given.
			datapoints := props["DatapointsToAlarm"]
			if datapoints == nil {
				datapoints = props["EvaluationPeriods"]
			}
			for key, want := range map[string]any{
				"Namespace":          namespace,
				"MetricName":         a.metric,
				"Statistic":          a.statistic,
				"Threshold":          a.threshold,
				"ComparisonOperator": comparison,
				"TreatMissingData":   missing,
				"EvaluationPeriods":  periods,
				"DatapointsToAlarm":  periods,
			} {
				got := props[key]
				if key == "DatapointsToAlarm" {
					got = datapoints
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %s, want %s", key, compact(got), compact(want))
				}
			}
			if got, _ := props["Period"].(float64); got != period {
				t.Errorf("Period = %s, want %v", compact(props["Period"]), period)
			}
			if got := props["Dimensions"]; !sameDimensions(got, dims) {
				t.Errorf("Dimensions = %s, want %s", compact(got), compact(dims))
			}
		})
	}
}

// written returns the namespace and dimensions of the data points the
// alarm's writer records: its METRICS_NAMESPACE, and the dimensions of a
// line internal/metrics writes for the metric with the alarm's own
// dimensions, Stack having the value of the function's STACK_NAME.
func written(t *testing.T, resources map[string]any, a alarm) (string, []any) {
	t.Helper()
	fn, _ := resources[a.writer].(map[string]any)
	env := dig(fn, "Properties", "Environment", "Variables")
	namespace, _ := env["METRICS_NAMESPACE"].(string)
	if namespace == "" {
		t.Fatalf("%s has no METRICS_NAMESPACE", a.writer)
	}
	stack := env["STACK_NAME"]
	if !reflect.DeepEqual(stack, ref("AWS::StackName")) {
		t.Fatalf("%s's STACK_NAME is %s, want the stack's name", a.writer, compact(stack))
	}

	// A line as the function writes it, with a stand-in for the stack's
	// name, which only CloudFormation knows.
	const standIn = "stack-name-stand-in"
	var buf bytes.Buffer
	metrics.New(&buf, namespace, metrics.WithStack(standIn)).Count(a.metric, a.own)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	var directive struct {
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
		}
	}
	b, _ := json.Marshal(line["_aws"])
	if err := json.Unmarshal(b, &directive); err != nil || len(directive.CloudWatchMetrics) != 1 || len(directive.CloudWatchMetrics[0].Dimensions) != 1 {
		t.Fatalf("metric line %s has not one dimension set", buf.Bytes())
	}
	var dims []any
	for _, name := range directive.CloudWatchMetrics[0].Dimensions[0] {
		value := line[name]
		if value == standIn {
			value = stack
		}
		dims = append(dims, map[string]any{"Name": name, "Value": value})
	}
	return directive.CloudWatchMetrics[0].Namespace, dims
}

// sameDimensions reports whether two alarm Dimensions lists name the same
// dimensions with the same values, in any order.
func sameDimensions(got any, want []any) bool {
	g, _ := got.([]any)
	if len(g) != len(want) {
		return false
	}
	key := func(d any) string { return compact(d) }
	gs, ws := make([]string, len(g)), make([]string, len(want))
	for i := range g {
		gs[i], ws[i] = key(g[i]), key(want[i])
	}
	slices.Sort(gs)
	slices.Sort(ws)
	return slices.Equal(gs, ws)
}

func dimensions(name string, value any) []any {
	return []any{map[string]any{"Name": name, "Value": value}}
}

// TestEveryAlarmNotifiesAndExplains: every alarm of the translated
// template notifies AlarmTopic when it fires and when it is OK again, has
// a name of its stack, and a description that says what happened and then,
// after "What to do:", what to do. An alarm on the functions' own
// namespace selects this stack's data points.
func TestEveryAlarmNotifiesAndExplains(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	topic := []any{ref("AlarmTopic")}
	n := 0
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) != "AWS::CloudWatch::Alarm" {
			continue
		}
		n++
		props := dig(resources[id].(map[string]any), "Properties")
		for _, key := range []string{"AlarmActions", "OKActions"} {
			if got := props[key]; !reflect.DeepEqual(got, topic) {
				t.Errorf("%s: %s = %s, want AlarmTopic", id, key, compact(got))
			}
		}
		if name, _ := dig(props, "AlarmName")["Fn::Sub"].(string); !strings.HasPrefix(name, "${AWS::StackName}-") {
			t.Errorf("%s: AlarmName %s does not start with the stack's name", id, compact(props["AlarmName"]))
		}
		description, _ := props["AlarmDescription"].(string)
		what, todo, found := strings.Cut(description, "What to do:")
		if !found || len(strings.Fields(what)) < 8 || len(strings.Fields(todo)) < 8 {
			t.Errorf("%s: description %q does not say what happened and, after \"What to do:\", what to do", id, description)
		}
		if len(description) > 1024 {
			t.Errorf("%s: description is %d characters, more than CloudWatch's 1024", id, len(description))
		}
		if namespace, _ := props["Namespace"].(string); !strings.HasPrefix(namespace, "AWS/") {
			stack := map[string]any{"Name": metrics.StackDimension, "Value": ref("AWS::StackName")}
			if !slices.ContainsFunc(leaves(props["Dimensions"]), func(d any) bool { return reflect.DeepEqual(d, stack) }) {
				t.Errorf("%s: an alarm on %s, written by every stack, does not select Stack = the stack's name: %s", id, namespace, compact(props["Dimensions"]))
			}
		}
	}
	if n == 0 {
		t.Fatal("the translated template has no alarms")
	}
}

// TestEveryFunctionIsWatched: each function of the translated template,
// including one added later, has an alarm on its Errors and one on its
// Throttles, and the stack's name as STACK_NAME for its metrics.
func TestEveryFunctionIsWatched(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	watched := map[string]bool{}
	for _, r := range resources {
		if resourceType(r) != "AWS::CloudWatch::Alarm" {
			continue
		}
		props := dig(r.(map[string]any), "Properties")
		if props["Namespace"] != "AWS/Lambda" {
			continue
		}
		for _, d := range leaves(props["Dimensions"]) {
			if d, _ := d.(map[string]any); d["Name"] == "FunctionName" {
				watched[fmt.Sprint(props["MetricName"], " ", compact(d["Value"]))] = true
			}
		}
	}
	var found []string
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) != "AWS::Lambda::Function" {
			continue
		}
		found = append(found, id)
		for _, metric := range []string{"Errors", "Throttles"} {
			if !watched[metric+" "+compact(ref(id))] {
				t.Errorf("no alarm on %s's %s", id, metric)
			}
		}
		env := dig(resources[id].(map[string]any), "Properties", "Environment", "Variables")
		if got := env["STACK_NAME"]; !reflect.DeepEqual(got, ref("AWS::StackName")) {
			t.Errorf("%s's STACK_NAME = %s, want the stack's name", id, compact(got))
		}
	}
	for _, fn := range functions {
		if !slices.Contains(found, fn) {
			t.Errorf("the translated template has no function %s", fn)
		}
	}
}

// dig follows keys through nested objects, returning nil when one is
// missing.
func dig(v map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		v, _ = v[k].(map[string]any)
	}
	return v
}
