// decode.go holds what the strict decoders of every schema share: the
// error naming where a document is bad, the envelope's head, and the
// checks of a required number against its range.

package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrSchema is wrapped by a decoder's error when a document names a
// schema other than the one it reads (or none): a v2 document must not be
// read as v1, field for field.
var ErrSchema = errors.New("not the schema expected")

// DecodeError says where a document is bad: Where is "envelope" or the
// item at fault ("socket 3", "ipv4 route 0"), Field the JSON field when
// one is.
type DecodeError struct {
	Schema string // the schema being read: SocketsSchema, ReportsSchema
	Where  string
	Field  string
	Err    error
}

func (e *DecodeError) Error() string {
	where := e.Where
	if e.Field != "" {
		where += " field " + e.Field
	}
	return fmt.Sprintf("decoding %s: %s: %v", e.Schema, where, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// errMissing is a field the schema says is never omitted.
var errMissing = errors.New("missing (the schema never omits it)")

// wireHead is what every schema's envelope starts with.
type wireHead struct {
	Schema   *string  `json:"schema"`
	Host     *string  `json:"host"`
	Time     *string  `json:"time"`
	Warnings []string `json:"warnings"`
}

// warnings returns the document's warnings; an empty list is none, as
// the writer, which omits an empty one, means it.
func (h *wireHead) warnings() []string {
	if len(h.Warnings) == 0 {
		return nil
	}
	return h.Warnings
}

func (h *wireHead) parseTime() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, *h.Time)
	return t.UTC(), err
}

// decodeEnvelope unmarshals data into w, whose head is h, and checks the
// head: the schema is the one wanted, host and time are there.
func decodeEnvelope(data []byte, schema string, w any, h *wireHead) error {
	envErr := func(field string, err error) error {
		return &DecodeError{Schema: schema, Where: "envelope", Field: field, Err: err}
	}
	if err := json.Unmarshal(data, w); err != nil {
		// A document of another schema may differ in shape too: say
		// which schema it is rather than what shape it has.
		var peek struct {
			Schema any `json:"schema"`
		}
		if json.Unmarshal(data, &peek) == nil && peek.Schema != schema {
			return envErr("schema", fmt.Errorf("%w: schema is %s, want %s", ErrSchema, quoteAny(peek.Schema), schema))
		}
		return at(shapeErr(err), schema, "envelope")
	}
	switch {
	case h.Schema == nil:
		return envErr("schema", fmt.Errorf("%w: no schema field, want %s", ErrSchema, schema))
	case *h.Schema != schema:
		return envErr("schema", fmt.Errorf("%w: schema is %q, want %s", ErrSchema, *h.Schema, schema))
	case h.Host == nil:
		return envErr("host", errMissing)
	case h.Time == nil:
		return envErr("time", errMissing)
	}
	return nil
}

// at completes an item's error with the schema and where it is: a
// *DecodeError from a field keeps its field.
func at(err error, schema, where string) error {
	var de *DecodeError
	if errors.As(err, &de) {
		de.Schema, de.Where = schema, where
		return de
	}
	return &DecodeError{Schema: schema, Where: where, Err: err}
}

// shapeErr rewrites encoding/json's type error (a string where a number
// belongs) to name the field and what the schema has there.
func shapeErr(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("%s where the schema has an object", te.Value)
	case errors.As(err, &te):
		return fieldErr(te.Field, "%s where the schema has %s", te.Value, te.Type)
	}
	return err
}

func quoteAny(v any) string {
	if v == nil {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldErr builds the error of one field; the decoder fills in where.
func fieldErr(field string, format string, args ...any) error {
	return &DecodeError{Field: field, Err: fmt.Errorf(format, args...)}
}

func missing(field string) error { return &DecodeError{Field: field, Err: errMissing} }

// bounded checks a required unsigned field against its type's range.
func bounded(field string, v *uint64, limit uint64) (uint64, error) {
	if v == nil {
		return 0, missing(field)
	}
	if *v > limit {
		return 0, fieldErr(field, "%d is out of range (at most %d)", *v, limit)
	}
	return *v, nil
}

// queue reads an optional queue length into q; absent reports that the
// document left it out.
func queue(field string, v *uint64, q *uint32) (absent bool, err error) {
	if v == nil {
		return true, nil
	}
	n, err := bounded(field, v, math.MaxUint32)
	*q = uint32(n)
	return false, err
}

// u32Field is one 32-bit field of a decoded object: its JSON name, the
// value read (nil: absent) and where it goes.
type u32Field struct {
	name string
	v    *uint64
	dst  *uint32
}

// decodeU32s checks and stores each field, naming the first bad one with
// prefix ("tcp_info.").
func decodeU32s(prefix string, fs []u32Field) error {
	for _, f := range fs {
		v, err := bounded(prefix+f.name, f.v, math.MaxUint32)
		if err != nil {
			return err
		}
		*f.dst = uint32(v)
	}
	return nil
}
