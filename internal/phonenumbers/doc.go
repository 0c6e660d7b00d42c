// Package phonenumbers parses, validates and formats phone numbers with the
// metadata of Google's libphonenumber. It is github.com/nyaruka/phonenumbers
// (MIT licence, see LICENSE), at the version go.mod pins, reduced to
// parsing, validation, formatting and matching, with one change in how the
// metadata is loaded.
//
// The published module decodes the metadata of all 245 regions, and the
// short-number metadata, in its package initialization: about 3.5 ms and
// 2.5 MB before a Lambda function's main runs, on every cold start. Here the
// metadata is kept serialized and uncompressed; the first use indexes it by
// region (reading two fields of each entry) and each region's entry is
// decoded when a number of that region is first looked at. The message
// types are plain structs decoded from the wire format by hand (types.go),
// as the protocol buffer runtime would add some 1.5 MB to every function.
// The rules, the data and the answers are the module's: the tests check the
// embedded data against the pinned module's byte for byte, the decoded
// metadata of every region against the module's decoding, and the answers
// of both on every region's example number of every type, in every format.
//
// Left out of the published module: geocoding, carriers, time zones, short
// numbers, the as-you-type formatter and the metadata builder, which this
// project does not use and which carry most of the module's embedded data.
//
// To move to a newer metadata version, raise the module's version in go.mod
// and copy its data files as TestSameDataAsUpstream says; should
// TestSameAnswersAsUpstream then fail, the new version changed the code too,
// and its changes belong here.
package phonenumbers
