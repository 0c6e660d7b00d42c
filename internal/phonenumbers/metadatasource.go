// Port of metadata/source/* + MetadataLoader from google/libphonenumber.
// Functions are kept in upstream source order to ease syncing.
// Last reconciled against: v9.0.32
package phonenumbers

import (
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// metadataContainer bundles all of the metadata-derived lookup state used by
// the library. The package keeps a single container, built on first use.
//
// Unlike the upstream library, which decodes the metadata of every region
// during package initialization, the container indexes the serialized
// collection by region and decodes a region's metadata the first time it is
// asked for: a program that validates numbers of one country decodes one
// entry, and a program that never validates one decodes none.
type metadataContainer struct {
	// A map from country code (as integer) to two letter region codes.
	countryCodeToRegion map[int][]string

	// The serialized metadata of each region, and of each country calling
	// code of a non-geographical entity, sliced from numberData.
	regionToRawMetadata                     map[string][]byte
	countryCodeToNonGeographicalRawMetadata map[int][]byte

	// Decoded metadata, filled in as regions are asked for.
	mu                                      sync.Mutex
	regionToMetadataMap                     map[string]*PhoneMetadata
	countryCodeToNonGeographicalMetadataMap map[int]*PhoneMetadata

	// The set of regions that share country calling code 1.
	nanpaRegions map[string]struct{}

	// The set of regions the library supports.
	supportedRegions map[string]bool

	// All the calling codes we support.
	supportedCallingCodes map[int]bool

	// The set of calling codes that map to the non-geo entity region ("001").
	countryCodesForNonGeographicalRegion map[int]bool
}

var (
	metadataOnce    sync.Once
	currentMetadata *metadataContainer
)

// metadata returns the container, building it on first use.
func metadata() *metadataContainer {
	metadataOnce.Do(initMetadata)
	return currentMetadata
}

func initMetadata() {
	// load our regions
	regionMap, err := loadIntArrayMap(regionData)
	if err != nil {
		panic(err)
	}

	// then index our metadata
	currentMetadata, err = newMetadataContainer(numberData, regionMap.Map)
	if err != nil {
		panic(err)
	}
}

// Field numbers of the serialized collection and of PhoneMetadata.
const (
	collectionMetadataField  = 1
	metadataIDField          = 9
	metadataCountryCodeField = 10
)

// newMetadataContainer indexes a serialized metadata collection and derives
// the lookup sets from it and a country-code-to-region map, as the upstream
// library does from the decoded collection.
func newMetadataContainer(collection []byte, countryCodeToRegion map[int][]string) (*metadataContainer, error) {
	mc := &metadataContainer{
		countryCodeToRegion:                     countryCodeToRegion,
		regionToRawMetadata:                     make(map[string][]byte, 256),
		countryCodeToNonGeographicalRawMetadata: make(map[int][]byte),
		regionToMetadataMap:                     make(map[string]*PhoneMetadata),
		countryCodeToNonGeographicalMetadataMap: make(map[int]*PhoneMetadata),
		nanpaRegions:                            make(map[string]struct{}),
		supportedRegions:                        make(map[string]bool, 320),
		supportedCallingCodes:                   make(map[int]bool, 320),
		countryCodesForNonGeographicalRegion:    make(map[int]bool, 16),
	}

	for b := collection; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		if num != collectionMetadataField || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		meta, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		region, countryCode, err := metadataKey(meta)
		if err != nil {
			return nil, err
		}
		if region == REGION_CODE_FOR_NON_GEO_ENTITY {
			// it's a non geographical entity
			mc.countryCodeToNonGeographicalRawMetadata[int(countryCode)] = meta
		} else {
			mc.regionToRawMetadata[region] = meta
		}
	}
	if len(mc.regionToRawMetadata)+len(mc.countryCodeToNonGeographicalRawMetadata) == 0 {
		return nil, ErrEmptyMetadata
	}

	for eKey, regionCodes := range countryCodeToRegion {
		// We can assume that if the county calling code maps to the
		// non-geo entity region code then that's the only region code
		// it maps to.
		if len(regionCodes) == 1 && REGION_CODE_FOR_NON_GEO_ENTITY == regionCodes[0] {
			// This is the subset of all country codes that map to the
			// non-geo entity region code.
			mc.countryCodesForNonGeographicalRegion[eKey] = true
		} else {
			// The supported regions set does not include the "001"
			// non-geo entity region code.
			for _, val := range regionCodes {
				mc.supportedRegions[val] = true
			}
		}

		mc.supportedCallingCodes[eKey] = true
	}
	// If the non-geo entity still got added to the set of supported regions it
	// must be because there are entries that list the non-geo entity alongside
	// normal regions (which is wrong). If we discover this, remove the non-geo
	// entity from the set of supported regions.
	delete(mc.supportedRegions, REGION_CODE_FOR_NON_GEO_ENTITY)

	for _, val := range countryCodeToRegion[NANPA_COUNTRY_CODE] {
		mc.nanpaRegions[val] = struct{}{}
	}

	return mc, nil
}

// metadataKey reads the region ID and country code of one serialized
// PhoneMetadata without decoding the rest of it.
func metadataKey(meta []byte) (string, int32, error) {
	var (
		region      string
		countryCode int32
	)
	for b := meta; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", 0, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == metadataIDField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return "", 0, protowire.ParseError(n)
			}
			region = string(v)
			b = b[n:]
		case num == metadataCountryCodeField && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return "", 0, protowire.ParseError(n)
			}
			countryCode = int32(v)
			b = b[n:]
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return "", 0, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return region, countryCode, nil
}

// decodeMetadata decodes one region's serialized metadata. The embedded data
// is fixed at build time and checked by the tests, so a failure is a broken
// build, as it is for the upstream library's initialization.
func decodeMetadata(raw []byte) *PhoneMetadata {
	meta := &PhoneMetadata{}
	if err := meta.unmarshal(raw); err != nil {
		panic(err)
	}
	return meta
}

func readFromNanpaRegions(key string) (struct{}, bool) {
	v, ok := metadata().nanpaRegions[key]
	return v, ok
}

func readFromRegionToMetadataMap(key string) (*PhoneMetadata, bool) {
	mc := metadata()
	raw, ok := mc.regionToRawMetadata[key]
	if !ok {
		return nil, false
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	v, ok := mc.regionToMetadataMap[key]
	if !ok {
		v = decodeMetadata(raw)
		mc.regionToMetadataMap[key] = v
	}
	return v, true
}

func readFromCountryCodeToNonGeographicalMetadataMap(key int) (*PhoneMetadata, bool) {
	mc := metadata()
	raw, ok := mc.countryCodeToNonGeographicalRawMetadata[key]
	if !ok {
		return nil, false
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	v, ok := mc.countryCodeToNonGeographicalMetadataMap[key]
	if !ok {
		v = decodeMetadata(raw)
		mc.countryCodeToNonGeographicalMetadataMap[key] = v
	}
	return v, true
}

var (
	currMetadataColl *PhoneMetadataCollection
	reloadMetadata   = true
)

// MetadataCollection returns the embedded territory metadata collection. The
// result is parsed once and cached. The package itself does not use it: it
// decodes regions one at a time.
func MetadataCollection() (*PhoneMetadataCollection, error) {
	if !reloadMetadata {
		return currMetadataColl, nil
	}

	metadataCollection := &PhoneMetadataCollection{}
	if err := metadataCollection.unmarshal(numberData); err != nil {
		return nil, err
	}
	currMetadataColl = metadataCollection
	reloadMetadata = false
	return metadataCollection, nil
}
