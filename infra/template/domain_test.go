package template

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/testing/samtemplate"
)

// The clinic's own domain as docs/deploy.md has a deployer give it, and the
// ID API Gateway gives AppointmentsApi in these tests.
const (
	exampleDomain      = "appointments.example.com"
	exampleCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
	exampleAPIID       = "a1b2c3d4e5"
	exampleAPIAddress  = "https://" + exampleAPIID + ".execute-api.us-east-1.amazonaws.com"
)

// clinicParams are the parameters every clinic gives (those without a
// default), with extra added.
func clinicParams(extra map[string]string) map[string]string {
	params := map[string]string{
		"SenderEmail":    "appointments@example.com",
		"FrontDeskEmail": "frontdesk@example.com",
		"AllowedOrigins": "https://www.example.com",
		"ThankYouUrl":    "https://www.example.com/thank-you",
	}
	maps.Copy(params, extra)
	return params
}

// clinicStack is a stack deployed with params in us-east-1, the Region
// samtemplate.Translate translates for.
func clinicStack(params map[string]string) samtemplate.Stack {
	return samtemplate.Stack{Params: params, Refs: map[string]string{
		"AWS::Region":     "us-east-1",
		"AWS::URLSuffix":  "amazonaws.com",
		"AWS::Partition":  "aws",
		"AWS::AccountId":  "123456789012",
		"AWS::StackName":  "clinic-appointments",
		"AppointmentsApi": exampleAPIID,
	}}
}

// deployedStack translates template.yaml for params and returns the
// resources and outputs CloudFormation would create from it. It fails the
// test if the template's Rules would refuse params.
func deployedStack(t *testing.T, params map[string]string) (resources, outputs map[string]any) {
	t.Helper()
	tmpl := translatedTemplateWith(t, params)
	s := clinicStack(params)
	broken, err := samtemplate.BrokenRules(tmpl, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(broken) > 0 {
		t.Fatalf("CloudFormation would refuse the parameters %v: %q", params, broken)
	}
	d, err := samtemplate.Deployed(tmpl, s)
	if err != nil {
		t.Fatal(err)
	}
	resources, _ = d["Resources"].(map[string]any)
	outputs, _ = d["Outputs"].(map[string]any)
	return resources, outputs
}

// ofType returns the IDs of the resources of the given types, sorted.
func ofType(resources map[string]any, types ...string) []string {
	var ids []string
	for id, r := range resources {
		if slices.Contains(types, resourceType(r)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestManageBaseURLIsTheAPIs: the links NotifyFunction, DigestFunction and RemindFunction
// mail start with the address of the API that serves them, the ApiUrl
// output's address without its /appointments path: the clinic's own domain
// when CustomDomainName is set, else the API's execute-api address. With
// the domain set, neither a function nor an output is left with the
// execute-api address.
func TestManageBaseURLIsTheAPIs(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"execute-api address", clinicParams(nil), exampleAPIAddress},
		{"clinic's own domain", clinicParams(map[string]string{"CustomDomainName": exampleDomain, "CertificateArn": exampleCertificate}), "https://" + exampleDomain},
		// The certificate is used only with a domain.
		{"certificate alone", clinicParams(map[string]string{"CertificateArn": exampleCertificate}), exampleAPIAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resources, outputs := deployedStack(t, tt.params)
			var linking []string
			for _, id := range ofType(resources, "AWS::Lambda::Function") {
				env := dig(resources[id].(map[string]any), "Properties", "Environment", "Variables")
				if base, ok := env["MANAGE_BASE_URL"]; ok {
					linking = append(linking, id)
					if base != tt.want {
						t.Errorf("%s's MANAGE_BASE_URL = %s, want %q", id, compact(base), tt.want)
					}
				}
				if tt.want != exampleAPIAddress {
					for name, v := range env {
						if strings.Contains(compact(v), "execute-api") {
							t.Errorf("%s's %s = %s, the execute-api address, with CustomDomainName set", id, name, compact(v))
						}
					}
				}
			}
			for _, fn := range []string{"NotifyFunction", "DigestFunction", "RemindFunction"} {
				if !slices.Contains(linking, fn) {
					t.Errorf("%s, which mails action links, has no MANAGE_BASE_URL", fn)
				}
			}
			if got, want := dig(outputs, "ApiUrl")["Value"], tt.want+"/appointments"; got != want {
				t.Errorf("output ApiUrl = %s, want %q", compact(got), want)
			}
			if tt.want != exampleAPIAddress {
				for name, o := range outputs {
					if v := o.(map[string]any)["Value"]; strings.Contains(compact(v), "execute-api") {
						t.Errorf("output %s = %s, the execute-api address, with CustomDomainName set", name, compact(v))
					}
				}
			}
		})
	}
}

// TestCustomDomain: with CustomDomainName, the stack serves the whole API
// on that domain (a regional domain name with the clinic's certificate,
// mapped at its root to the API's stage) and outputs where the domain's
// DNS record points; without it, the stack has no domain at all.
func TestCustomDomain(t *testing.T) {
	domainTypes := []string{"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping"}

	t.Run("none", func(t *testing.T) {
		resources, outputs := deployedStack(t, clinicParams(nil))
		if ids := ofType(resources, domainTypes...); len(ids) > 0 {
			t.Errorf("without CustomDomainName the stack creates %v", ids)
		}
		if o, ok := outputs["CustomDomainTarget"]; ok {
			t.Errorf("without CustomDomainName the stack outputs CustomDomainTarget: %s", compact(o))
		}
	})

	t.Run(exampleDomain, func(t *testing.T) {
		resources, outputs := deployedStack(t, clinicParams(map[string]string{"CustomDomainName": exampleDomain, "CertificateArn": exampleCertificate}))

		domains := ofType(resources, "AWS::ApiGatewayV2::DomainName")
		if len(domains) != 1 {
			t.Fatalf("domain names %v, want one", domains)
		}
		domain := dig(resources[domains[0]].(map[string]any), "Properties")
		if domain["DomainName"] != exampleDomain {
			t.Errorf("%s's DomainName = %s, want %q", domains[0], compact(domain["DomainName"]), exampleDomain)
		}
		configs, _ := domain["DomainNameConfigurations"].([]any)
		if len(configs) != 1 {
			t.Fatalf("%s's DomainNameConfigurations = %s, want one", domains[0], compact(configs))
		}
		config, _ := configs[0].(map[string]any)
		if config["CertificateArn"] != exampleCertificate {
			t.Errorf("%s's certificate = %s, want %q", domains[0], compact(config["CertificateArn"]), exampleCertificate)
		}
		if config["EndpointType"] != "REGIONAL" {
			t.Errorf("%s's endpoint = %s, want REGIONAL", domains[0], compact(config["EndpointType"]))
		}

		// The API's one stage, which SAM generates and names.
		var stages []string
		for _, id := range ofType(resources, "AWS::ApiGatewayV2::Stage") {
			if dig(resources[id].(map[string]any), "Properties")["ApiId"] == exampleAPIID {
				stages = append(stages, id)
			}
		}
		if len(stages) != 1 {
			t.Fatalf("AppointmentsApi has stages %v, want one", stages)
		}

		mappings := ofType(resources, "AWS::ApiGatewayV2::ApiMapping")
		if len(mappings) != 1 {
			t.Fatalf("API mappings %v, want one", mappings)
		}
		mapping := dig(resources[mappings[0]].(map[string]any), "Properties")
		for _, c := range []struct {
			property string
			want     any
		}{
			{"DomainName", ref(domains[0])},
			{"ApiId", exampleAPIID},
			// A reference, not the stage's name, so that CloudFormation
			// creates the mapping after the stage.
			{"Stage", ref(stages[0])},
		} {
			if got := mapping[c.property]; compact(got) != compact(c.want) {
				t.Errorf("%s's %s = %s, want %s", mappings[0], c.property, compact(got), compact(c.want))
			}
		}
		// The links' paths (/manage/...) and the form's (/appointments) are
		// the same on the domain as at the execute-api address.
		if key, ok := mapping["ApiMappingKey"]; ok && key != "" {
			t.Errorf("%s maps the API under %s, want the domain's root", mappings[0], compact(key))
		}

		target := dig(outputs, "CustomDomainTarget")["Value"]
		if want := getAtt(domains[0], "RegionalDomainName"); compact(target) != compact(want) {
			t.Errorf("output CustomDomainTarget = %s, want %s", compact(target), compact(want))
		}
	})
}

// TestCustomDomainNeedsCertificate: CloudFormation refuses a domain without
// a certificate before it changes anything, instead of failing halfway
// through when API Gateway refuses the domain name.
func TestCustomDomainNeedsCertificate(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		refuse bool
	}{
		{"neither", clinicParams(nil), false},
		{"domain and certificate", clinicParams(map[string]string{"CustomDomainName": exampleDomain, "CertificateArn": exampleCertificate}), false},
		{"domain alone", clinicParams(map[string]string{"CustomDomainName": exampleDomain}), true},
		{"certificate alone", clinicParams(map[string]string{"CertificateArn": exampleCertificate}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broken, err := samtemplate.BrokenRules(translatedTemplateWith(t, tt.params), clinicStack(tt.params))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.refuse && (len(broken) != 1 || !strings.HasPrefix(broken[0], "CustomDomainNeedsCertificate: ")):
				t.Errorf("broken rules = %q, want CustomDomainNeedsCertificate alone", broken)
			case !tt.refuse && len(broken) > 0:
				t.Errorf("broken rules = %q, want none", broken)
			}
		})
	}
}

// TestCustomDomainParameters: both parameters are optional, and their
// patterns take what docs/deploy.md tells a deployer to give and refuse
// the usual slips (a URL for a domain, another service's ARN for the
// certificate), which CloudFormation then reports before doing anything.
func TestCustomDomainParameters(t *testing.T) {
	var params map[string]struct {
		Default        *string `yaml:"Default"`
		AllowedPattern string  `yaml:"AllowedPattern"`
	}
	if err := templateSection(t, "Parameters").Decode(&params); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		parameter      string
		accept, refuse []string
	}{
		{
			parameter: "CustomDomainName",
			accept:    []string{"", exampleDomain, "book.clinic.example.com", "xn--bcher-kva.example.com"},
			refuse: []string{"https://" + exampleDomain, exampleDomain + ".", exampleDomain + "/", exampleDomain + ":443",
				"Appointments.Example.com", "*.example.com", "-appointments.example.com", "appointments", " " + exampleDomain},
		},
		{
			parameter: "CertificateArn",
			accept:    []string{"", exampleCertificate, "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"},
			refuse: []string{"00000000-0000-0000-0000-000000000000", "arn:aws:acm:us-east-1:123456789012:certificate/",
				"arn:aws:secretsmanager:us-east-1:123456789012:secret:certificate", exampleDomain},
		},
	}
	for _, tt := range tests {
		p, ok := params[tt.parameter]
		if !ok {
			t.Errorf("template.yaml has no parameter %s", tt.parameter)
			continue
		}
		if p.Default == nil || *p.Default != "" {
			t.Errorf("%s's default is %v, want empty: the parameter is optional", tt.parameter, p.Default)
		}
		// CloudFormation matches AllowedPattern against the whole value.
		pattern, err := regexp.Compile("^(?:" + p.AllowedPattern + ")$")
		if p.AllowedPattern == "" || err != nil {
			t.Errorf("%s's AllowedPattern %q: %v", tt.parameter, p.AllowedPattern, err)
			continue
		}
		for _, v := range tt.accept {
			if !pattern.MatchString(v) {
				t.Errorf("%s refuses %q", tt.parameter, v)
			}
		}
		for _, v := range tt.refuse {
			if pattern.MatchString(v) {
				t.Errorf("%s accepts %q", tt.parameter, v)
			}
		}
	}
}
