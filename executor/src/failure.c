#include "failure.h"

struct failure failure;

int fail(int err, const char *detail)
{
	failure.err = err;
	failure.detail = detail;
	failure.status = 125;
	return -1;
}
