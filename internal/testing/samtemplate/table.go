package samtemplate

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"
)

// RequestsTable returns the CreateTable call that makes a table named
// tableName with the keys, indexes, billing mode and stream that the
// template declares for RequestsTable: what a local DynamoDB emulator needs.
// Settings that emulators ignore or that are set by other calls (encryption,
// point-in-time recovery, TTL, tags) are left out.
func RequestsTable(template []byte, tableName string) (*dynamodb.CreateTableInput, error) {
	doc, err := parse(template)
	if err != nil {
		return nil, err
	}
	return doc.table("RequestsTable", tableName)
}

func (d *document) table(logicalID, tableName string) (*dynamodb.CreateTableInput, error) {
	res, typ, err := d.resource(logicalID)
	if err != nil {
		return nil, err
	}
	if typ != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("%s is a %s, not an AWS::DynamoDB::Table", logicalID, typ)
	}
	props := field(res, "Properties")
	path := logicalID + ".Properties"
	in := &dynamodb.CreateTableInput{TableName: aws.String(tableName)}

	// CloudFormation's default, like DynamoDB's.
	in.BillingMode = types.BillingModeProvisioned
	if n := field(props, "BillingMode"); n != nil {
		if in.BillingMode, err = oneOf(n, path+".BillingMode", types.BillingModePayPerRequest.Values()); err != nil {
			return nil, err
		}
	}
	if n := field(props, "ProvisionedThroughput"); n != nil {
		if in.ProvisionedThroughput, err = throughput(n, path+".ProvisionedThroughput"); err != nil {
			return nil, err
		}
	}

	defs, err := sequence(field(props, "AttributeDefinitions"), path+".AttributeDefinitions")
	if err != nil {
		return nil, err
	}
	for i, def := range defs {
		p := fmt.Sprintf("%s.AttributeDefinitions[%d]", path, i)
		name, err := literal(field(def, "AttributeName"), p+".AttributeName")
		if err != nil {
			return nil, err
		}
		typ, err := oneOf(field(def, "AttributeType"), p+".AttributeType", types.ScalarAttributeTypeS.Values())
		if err != nil {
			return nil, err
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ})
	}

	if in.KeySchema, err = keySchema(field(props, "KeySchema"), path+".KeySchema"); err != nil {
		return nil, err
	}

	if n := field(props, "GlobalSecondaryIndexes"); n != nil {
		indexes, err := sequence(n, path+".GlobalSecondaryIndexes")
		if err != nil {
			return nil, err
		}
		for i, idx := range indexes {
			gsi, err := globalSecondaryIndex(idx, fmt.Sprintf("%s.GlobalSecondaryIndexes[%d]", path, i))
			if err != nil {
				return nil, err
			}
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
		}
	}

	// In CloudFormation a StreamSpecification turns the stream on; the API
	// says so with StreamEnabled.
	if n := field(props, "StreamSpecification"); n != nil {
		view, err := oneOf(field(n, "StreamViewType"), path+".StreamSpecification.StreamViewType", types.StreamViewTypeNewImage.Values())
		if err != nil {
			return nil, err
		}
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
	return in, nil
}

func globalSecondaryIndex(n *yaml.Node, path string) (types.GlobalSecondaryIndex, error) {
	var gsi types.GlobalSecondaryIndex
	name, err := literal(field(n, "IndexName"), path+".IndexName")
	if err != nil {
		return gsi, err
	}
	gsi.IndexName = aws.String(name)
	if gsi.KeySchema, err = keySchema(field(n, "KeySchema"), path+".KeySchema"); err != nil {
		return gsi, err
	}
	proj := field(n, "Projection")
	if proj == nil {
		return gsi, fmt.Errorf("%s.Projection is missing", path)
	}
	gsi.Projection = &types.Projection{}
	if gsi.Projection.ProjectionType, err = oneOf(field(proj, "ProjectionType"), path+".Projection.ProjectionType", types.ProjectionTypeAll.Values()); err != nil {
		return gsi, err
	}
	if attrs := field(proj, "NonKeyAttributes"); attrs != nil {
		items, err := sequence(attrs, path+".Projection.NonKeyAttributes")
		if err != nil {
			return gsi, err
		}
		for i, item := range items {
			a, err := literal(item, fmt.Sprintf("%s.Projection.NonKeyAttributes[%d]", path, i))
			if err != nil {
				return gsi, err
			}
			gsi.Projection.NonKeyAttributes = append(gsi.Projection.NonKeyAttributes, a)
		}
	}
	if t := field(n, "ProvisionedThroughput"); t != nil {
		if gsi.ProvisionedThroughput, err = throughput(t, path+".ProvisionedThroughput"); err != nil {
			return gsi, err
		}
	}
	return gsi, nil
}

func keySchema(n *yaml.Node, path string) ([]types.KeySchemaElement, error) {
	items, err := sequence(n, path)
	if err != nil {
		return nil, err
	}
	var keys []types.KeySchemaElement
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		name, err := literal(field(item, "AttributeName"), p+".AttributeName")
		if err != nil {
			return nil, err
		}
		typ, err := oneOf(field(item, "KeyType"), p+".KeyType", types.KeyTypeHash.Values())
		if err != nil {
			return nil, err
		}
		keys = append(keys, types.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ})
	}
	return keys, nil
}

func throughput(n *yaml.Node, path string) (*types.ProvisionedThroughput, error) {
	var units [2]int64
	for i, key := range []string{"ReadCapacityUnits", "WriteCapacityUnits"} {
		v, err := literal(field(n, key), path+"."+key)
		if err != nil {
			return nil, err
		}
		if units[i], err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", path, key, err)
		}
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(units[0]), WriteCapacityUnits: aws.Int64(units[1])}, nil
}
