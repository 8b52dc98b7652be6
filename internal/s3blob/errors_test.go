package s3blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/callvault/callvault"
)

func TestTranslate(t *testing.T) {
	status := func(code int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}},
			Err:      errors.New("http error"),
		}}
	}
	api := func(code string) error {
		return &smithy.OperationError{ServiceID: "S3", OperationName: "Op", Err: &smithy.GenericAPIError{Code: code}}
	}
	tests := []struct {
		err  error
		want callvault.Kind
	}{
		{nil, ""},
		{api("NoSuchKey"), callvault.KindNotFound},
		{api("NotFound"), callvault.KindNotFound},
		{api("PreconditionFailed"), callvault.KindConflict},
		{api("ConditionalRequestConflict"), callvault.KindConflict},
		{api("NoSuchBucket"), callvault.KindUnavailable},
		{api("AccessDenied"), callvault.KindUnavailable},
		{api("SlowDown"), callvault.KindUnavailable},
		{api("MalformedXML"), callvault.KindInternal},
		{status(404), callvault.KindNotFound},
		{status(409), callvault.KindConflict},
		{status(412), callvault.KindConflict},
		{status(403), callvault.KindUnavailable},
		{status(503), callvault.KindUnavailable},
		{status(400), callvault.KindInternal},
		{&smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}, callvault.KindUnavailable},
		{fmt.Errorf("op: %w", &net.OpError{Op: "dial", Err: errors.New("refused")}), callvault.KindUnavailable},
		{fmt.Errorf("op: %w", context.DeadlineExceeded), callvault.KindUnavailable},
		{errors.New("something else"), callvault.KindInternal},
	}
	for _, tt := range tests {
		got := translate(tt.err, "open", "a/b")
		if callvault.ErrorKind(got) != tt.want {
			t.Errorf("translate(%v) kind = %q, want %q", tt.err, callvault.ErrorKind(got), tt.want)
		}
		if tt.err != nil && !errors.Is(got, tt.err) {
			t.Errorf("translate(%v) lost the cause", tt.err)
		}
	}
}
