package s3blob

import (
	"context"
	"errors"
	"net"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/callvault/callvault"
)

// translate turns an SDK error from op on key into the error taxonomy: NoSuchKey and 404 are
// KindNotFound, PreconditionFailed, 409 and 412 KindConflict, connection failures, throttling,
// 5xx and refused credentials KindUnavailable, anything else KindInternal. The SDK's error stays
// the cause, for the logs.
func translate(err error, op, key string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": cancelled or timed out")
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return callvault.WrapError(callvault.KindNotFound, err, "s3blob: blob "+key+" not found")
		case "NoSuchBucket":
			return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": the bucket does not exist; create it or fix the store URL")
		case "PreconditionFailed", "ConditionalRequestConflict":
			return callvault.WrapError(callvault.KindConflict, err, "s3blob: blob "+key+" already exists or changed")
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "Forbidden":
			return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": the object store refused the credentials; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile")
		case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed":
			return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": the object store is unavailable ("+apiErr.ErrorCode()+"); retry later")
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		switch code := respErr.HTTPStatusCode(); {
		case code == 404:
			return callvault.WrapError(callvault.KindNotFound, err, "s3blob: blob "+key+" not found")
		case code == 409 || code == 412:
			return callvault.WrapError(callvault.KindConflict, err, "s3blob: blob "+key+" already exists or changed")
		case code == 401 || code == 403:
			return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": the object store refused the credentials; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile")
		case code >= 500:
			return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": the object store is unavailable; retry later")
		}
	}
	var sendErr *smithyhttp.RequestSendError
	var netErr net.Error
	if errors.As(err, &sendErr) || errors.As(err, &netErr) {
		return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: "+op+" "+key+": cannot reach the object store; check the endpoint and the network")
	}
	return callvault.WrapError(callvault.KindInternal, err, "s3blob: "+op+" "+key+" failed")
}
