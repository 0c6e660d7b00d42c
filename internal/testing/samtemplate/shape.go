package samtemplate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableShape is the part of a CreateTable call the tests compare, in a
// form where the order DynamoDB ignores does not matter.
type TableShape struct {
	Name, BillingMode, Stream string
	Attributes, Indexes       []string // sorted
	Keys                      string   // in order: HASH, then RANGE
}

// ShapeOf returns the shape of a CreateTable call.
func ShapeOf(in *dynamodb.CreateTableInput) TableShape {
	s := TableShape{Name: aws.ToString(in.TableName), BillingMode: string(in.BillingMode), Keys: keyText(in.KeySchema)}
	for _, a := range in.AttributeDefinitions {
		s.Attributes = append(s.Attributes, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	for _, g := range in.GlobalSecondaryIndexes {
		idx := aws.ToString(g.IndexName) + " " + keyText(g.KeySchema)
		if g.Projection != nil {
			nonKey := slices.Sorted(slices.Values(g.Projection.NonKeyAttributes))
			idx += fmt.Sprintf(" %s%v", g.Projection.ProjectionType, nonKey)
		}
		if g.ProvisionedThroughput != nil {
			idx += fmt.Sprintf(" %d/%d", aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits), aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits))
		}
		s.Indexes = append(s.Indexes, idx)
	}
	if in.StreamSpecification != nil {
		s.Stream = fmt.Sprintf("%t %s", aws.ToBool(in.StreamSpecification.StreamEnabled), in.StreamSpecification.StreamViewType)
	}
	slices.Sort(s.Attributes)
	slices.Sort(s.Indexes)
	return s
}

// keyText writes a key schema as name:type pairs, in order.
func keyText(ks []types.KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = aws.ToString(k.AttributeName) + ":" + string(k.KeyType)
	}
	return strings.Join(parts, ",")
}
