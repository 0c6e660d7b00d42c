package samtemplate_test

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"example.com/appointments/internal/testing/samtemplate"
)

// The reader's own tests, on templates small enough to see every case in.
// The tests of template.yaml itself are in infra/template.

func TestRequestsTable(t *testing.T) {
	const table = `
Resources:
  RequestsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: n, AttributeType: N}
      KeySchema:
        - {AttributeName: id, KeyType: HASH}
%s`
	tests := []struct {
		name  string
		extra string
		want  samtemplate.TableShape // when wantErr is empty
		// wantErr is a part of the expected error message.
		wantErr string
	}{
		{
			name:  "provisioned by default",
			extra: "      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 2}",
			want:  samtemplate.TableShape{Name: "t", BillingMode: "PROVISIONED", Attributes: []string{"id:S", "n:N"}, Keys: "id:HASH"},
		},
		{
			name: "index with included attributes and a stream",
			extra: `      BillingMode: PAY_PER_REQUEST
      GlobalSecondaryIndexes:
        - IndexName: ByN
          KeySchema: [{AttributeName: n, KeyType: HASH}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [b, a]}
      StreamSpecification: {StreamViewType: KEYS_ONLY}`,
			want: samtemplate.TableShape{Name: "t", BillingMode: "PAY_PER_REQUEST", Attributes: []string{"id:S", "n:N"}, Keys: "id:HASH",
				Indexes: []string{"ByN n:HASH INCLUDE[a b]"}, Stream: "true KEYS_ONLY"},
		},
		{name: "intrinsic billing mode", extra: "      BillingMode: !If [Cheap, PAY_PER_REQUEST, PROVISIONED]", wantErr: "BillingMode uses !If"},
		{name: "unknown stream view", extra: "      StreamSpecification: {StreamViewType: EVERYTHING}", wantErr: "StreamViewType is \"EVERYTHING\""},
		{name: "index without projection", extra: "      GlobalSecondaryIndexes: [{IndexName: X, KeySchema: [{AttributeName: n, KeyType: HASH}]}]", wantErr: "Projection is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := samtemplate.RequestsTable(fmt.Appendf(nil, table, tt.extra), "t")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RequestsTable() error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := samtemplate.ShapeOf(got); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("RequestsTable() = %+v, want %+v", g, tt.want)
			}
		})
	}
}

func TestRequestsTableRefused(t *testing.T) {
	tests := []struct{ name, template, wantErr string }{
		{"not YAML", "Resources: [", "parse template"},
		{"no table", "Resources: {}", "no resource RequestsTable"},
		{"not a table", "Resources: {RequestsTable: {Type: AWS::SQS::Queue}}", "not an AWS::DynamoDB::Table"},
		{"no key schema", "Resources: {RequestsTable: {Type: AWS::DynamoDB::Table, Properties: {AttributeDefinitions: []}}}", "KeySchema is missing"},
		{"intrinsic key", "Resources: {RequestsTable: {Type: AWS::DynamoDB::Table, Properties: {AttributeDefinitions: [], KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]}}}", "AttributeName uses !Ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := samtemplate.RequestsTable([]byte(tt.template), "t")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("RequestsTable() error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestFunctionEnvironment(t *testing.T) {
	const template = `
Parameters:
  Level: {Type: String, Default: INFO}
  Name: {Type: String}
Globals:
  Function:
    Environment:
      Variables:
        LEVEL: !Ref Level
        SHARED: global
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          SHARED: own
          NUMBER: 42
          EMPTY: ""
          LONG: {Ref: Name}
          REGION: !Ref AWS::Region
  Named:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          STACK: !Ref AWS::StackName
  Bare:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          ONLY: this
  Sub:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          URL: !Sub https://${Name}
  Missing:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          X: !Ref Nothing
  Queue:
    Type: AWS::SQS::Queue
`
	tests := []struct {
		name    string
		fn      string
		params  map[string]string
		refs    map[string]string
		want    map[string]string
		wantErr string // a part of the expected error message
	}{
		{
			name:   "globals, overrides, long form and pseudo parameters",
			fn:     "Fn",
			params: map[string]string{"Name": "clinic"},
			refs:   map[string]string{"AWS::Region": "us-east-1"},
			want:   map[string]string{"LEVEL": "INFO", "SHARED": "own", "NUMBER": "42", "EMPTY": "", "LONG": "clinic", "REGION": "us-east-1"},
		},
		{name: "no globals for plain Lambda functions", fn: "Bare", want: map[string]string{"ONLY": "this"}},
		{name: "stack name as sam local has it", fn: "Named", want: map[string]string{"LEVEL": "INFO", "SHARED": "global", "STACK": "local"}},
		{name: "stack name given", fn: "Named", refs: map[string]string{"AWS::StackName": "clinic"}, want: map[string]string{"LEVEL": "INFO", "SHARED": "global", "STACK": "clinic"}},
		{name: "missing parameter", fn: "Fn", refs: map[string]string{"AWS::Region": "r"}, wantErr: "LONG (!Ref Name: parameter without a default"},
		{name: "pseudo parameter", fn: "Fn", params: map[string]string{"Name": "n"}, wantErr: "REGION (!Ref AWS::Region"},
		{name: "Sub", fn: "Sub", params: map[string]string{"Name": "n"}, wantErr: "URL (!Sub is not evaluated locally)"},
		{name: "undeclared reference", fn: "Missing", wantErr: "no such parameter or resource"},
		{name: "not a function", fn: "Queue", wantErr: "not a function"},
		{name: "no such resource", fn: "Nope", wantErr: "no resource Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := samtemplate.FunctionEnvironment([]byte(template), tt.fn, tt.params, tt.refs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FunctionEnvironment() error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("FunctionEnvironment() = %v, want %v", got, tt.want)
			}
		})
	}
}
