package awsapi

import (
	"math/rand/v2"
	"strconv"
	"time"
)

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
)

// RandomString returns n characters drawn from alphabet. Ids need to be
// unique, not secret, so the runtime's fast per-goroutine generator will do.
func RandomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// RandomID returns n lowercase alphanumerics, the shape of most AWS ids.
func RandomID(n int) string { return RandomString(n, lowerAlnum) }

// RandomHex returns n lowercase hex digits (ECS task ids are 32 of them).
func RandomHex(n int) string { return RandomString(n, hexDigits) }

// NewRequestID returns a request id in the UUID form AWS uses.
func NewRequestID() string { return NewUUID() }

// NewUUID returns a random (version 4) UUID.
func NewUUID() string { return string(AppendUUID(make([]byte, 0, 36))) }

// AppendUUID appends a NewUUID to dst (for a caller that builds several
// values into one string).
func AppendUUID(dst []byte) []byte {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const h = hexDigits
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, h[c>>4], h[c&0xf])
	}
	return dst
}

// NewTraceID returns an X-Ray trace header for a request that has none,
// as API Gateway adds one: Root=1-<8 hex digits of epoch seconds>-<24
// random hex digits>.
func NewTraceID(t time.Time) string { return string(AppendTraceID(nil, t)) }

// AppendTraceID appends a NewTraceID to dst (for a caller that builds
// several values into one string).
func AppendTraceID(dst []byte, t time.Time) []byte {
	var b [7 + 8 + 1 + 24]byte
	copy(b[:], "Root=1-")
	sec := uint32(t.Unix())
	for i := 0; i < 8; i++ {
		b[7+i] = hexDigits[(sec>>(28-4*i))&0xf]
	}
	b[15] = '-'
	r1, r2 := rand.Uint64(), rand.Uint64()
	for i := 0; i < 16; i++ {
		b[16+i] = hexDigits[(r1>>(4*i))&0xf]
	}
	for i := 0; i < 8; i++ {
		b[32+i] = hexDigits[(r2>>(4*i))&0xf]
	}
	return append(dst, b[:]...)
}

// Timestamp is a time that travels as epoch seconds with a millisecond
// fraction (1587081768.334), as the JSON protocols encode timestamps.
type Timestamp time.Time

// Now returns the current time truncated to what the wire carries, so that a
// value read back from the store equals the one returned at creation.
func Now() Timestamp { return Timestamp(time.Now().Truncate(time.Millisecond)) }

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(s) > 1 && s[0] == '"' {
		// Accept an ISO 8601 string too: some clients send them.
		tt, err := time.Parse(time.RFC3339Nano, s[1:len(s)-1])
		if err != nil {
			return Errorf("SerializationException", "invalid timestamp %s", s)
		}
		*t = Timestamp(tt)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Errorf("SerializationException", "invalid timestamp %s", s)
	}
	*t = Timestamp(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}
