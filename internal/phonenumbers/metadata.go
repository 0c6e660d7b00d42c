package phonenumbers

import _ "embed"

//go:embed data/countrycode_to_region.xml.gz
var regionData []byte

// numberData is the metadata collection as a serialized protocol buffer,
// uncompressed, so that the metadata of one region can be read from it
// without inflating or decoding the others.
//
//go:embed data/metadata.pb
var numberData []byte
