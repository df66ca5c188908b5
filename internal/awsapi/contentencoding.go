package awsapi

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// decodeContent undoes a request's Content-Encoding gzip (what the SDKs'
// request compression sends); the decoded body is bounded like a plain
// one. Other encodings are left to the operation, as before.
func decodeContent(encoding string, body []byte) ([]byte, error) {
	for _, enc := range strings.Split(encoding, ",") {
		switch strings.TrimSpace(strings.ToLower(enc)) {
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("the gzip request body is not valid: %w", err)
			}
			b, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
			if err != nil {
				return nil, fmt.Errorf("the gzip request body is not valid: %w", err)
			}
			if len(b) > maxBodyBytes {
				return nil, errors.New("the decoded request body is too large")
			}
			body = b
		}
	}
	return body, nil
}
