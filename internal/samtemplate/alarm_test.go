package samtemplate_test

import (
	"testing"
)

// TestConfirmationsSuppressedAlarm: the alarm on the confirmation cap
// watches the metric and dimension NotifyFunction writes when it holds a
// confirmation back (notify.Handler's "ConfirmationsSuppressed", Kind
// patient, in the namespace the function is given), so that it can fire.
func TestConfirmationsSuppressedAlarm(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	alarm, _ := resources["ConfirmationsSuppressedAlarm"].(map[string]any)
	props, _ := alarm["Properties"].(map[string]any)
	if props == nil {
		t.Fatal("template has no ConfirmationsSuppressedAlarm")
	}
	notify, _ := resources["NotifyFunction"].(map[string]any)
	env := dig(notify, "Properties", "Environment", "Variables")
	if got, want := props["Namespace"], env["METRICS_NAMESPACE"]; got != want || got == nil {
		t.Errorf("alarm namespace %v, function writes to %v", got, want)
	}
	if props["MetricName"] != "ConfirmationsSuppressed" {
		t.Errorf("alarm metric %v, want ConfirmationsSuppressed", props["MetricName"])
	}
	dims, _ := props["Dimensions"].([]any)
	if len(dims) != 1 || compact(dims[0]) != compact(map[string]any{"Name": "Kind", "Value": "patient"}) {
		t.Errorf("alarm dimensions %s, want Kind=patient", compact(dims))
	}
	if actions, _ := props["AlarmActions"].([]any); len(actions) == 0 {
		t.Error("alarm notifies nobody")
	}
	if _, ok := env["CONFIRMATIONS_PER_HOUR"]; !ok {
		t.Error("NotifyFunction is not given CONFIRMATIONS_PER_HOUR")
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
