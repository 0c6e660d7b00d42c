// Package dynamostreams plays the part of Lambda's event source mapping
// for a table's stream where none runs: it reads the stream through the
// DynamoDB Streams API (Reader), turns its records into the form Lambda
// hands a function (EventRecord), and hands them to a stream function's
// handler as the mapping does (Invoke for one batch, Shard for a whole
// shard, with its retries). The local server, devtools/burst and
// cmd/redrive feed the notify handler through it. It is tooling: no Lambda
// function links it, since on AWS the event source mapping reads the
// stream.
package dynamostreams

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"example.com/appointments/internal/dynamo"
)

// Client is the part of the DynamoDB Streams API a Reader uses.
type Client interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Reader reads a table's stream from its oldest record on, the way
// Lambda's event source mapping does, for running the notify handler where
// no event source mapping exists: locally and in tests.
type Reader struct {
	client    Client
	arn       string
	iterators map[string]*string // by shard ID; nil once a shard is closed
}

// NewReader returns a reader of the stream with the given ARN.
func NewReader(client Client, streamARN string) *Reader {
	return &Reader{client: client, arn: streamARN, iterators: map[string]*string{}}
}

// Read returns the records added to the stream since the last call, as
// Lambda would hand them to a function.
func (r *Reader) Read(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	desc, err := r.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &r.arn})
	if err != nil {
		return nil, fmt.Errorf("describe stream: %w", err)
	}
	var out []events.DynamoDBEventRecord
	for _, shard := range desc.StreamDescription.Shards {
		id := aws.ToString(shard.ShardId)
		it, known := r.iterators[id]
		if !known {
			got, err := r.client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn:         &r.arn,
				ShardId:           shard.ShardId,
				ShardIteratorType: streams.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				return nil, fmt.Errorf("shard iterator: %w", err)
			}
			it = got.ShardIterator
		}
		if it == nil {
			continue
		}
		recs, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		if err != nil {
			return nil, fmt.Errorf("get records: %w", err)
		}
		r.iterators[id] = recs.NextShardIterator
		for _, rec := range recs.Records {
			e, err := EventRecord(rec, r.arn)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// EventRecord converts a record read from the DynamoDB Streams API into the
// form Lambda hands a function, so that code polling a stream itself can
// feed the same handler.
func EventRecord(r streams.Record, streamARN string) (events.DynamoDBEventRecord, error) {
	rec := events.DynamoDBEventRecord{
		AWSRegion:      deref(r.AwsRegion),
		EventID:        deref(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    deref(r.EventSource),
		EventVersion:   deref(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if r.UserIdentity != nil {
		rec.UserIdentity = &events.DynamoDBUserIdentity{Type: deref(r.UserIdentity.Type), PrincipalID: deref(r.UserIdentity.PrincipalId)}
	}
	if d := r.Dynamodb; d != nil {
		var images [3]map[string]events.DynamoDBAttributeValue
		for i, m := range []map[string]streams.AttributeValue{d.Keys, d.NewImage, d.OldImage} {
			item, err := attributevalue.FromDynamoDBStreamsMap(m)
			if err != nil {
				return rec, fmt.Errorf("record %s: %w", deref(r.EventID), err)
			}
			images[i] = dynamo.EventImage(item)
		}
		rec.Change = events.DynamoDBStreamRecord{
			Keys:           images[0],
			NewImage:       images[1],
			OldImage:       images[2],
			SequenceNumber: deref(d.SequenceNumber),
			StreamViewType: string(d.StreamViewType),
		}
		if d.SizeBytes != nil {
			rec.Change.SizeBytes = *d.SizeBytes
		}
		if d.ApproximateCreationDateTime != nil {
			rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return rec, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
