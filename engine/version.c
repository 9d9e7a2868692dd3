/* The library's version at run time: made from YF_VERSION_MAJOR/MINOR/PATCH, so that a program
 * checking yf_version() against the YF_VERSION of its header also checks that the numbers and
 * the string of include/yinfa.h agree. */
#include "yinfa.h"

#define YF_STR_(x) #x
#define YF_STR(x) YF_STR_(x)

const char *yf_version(void)
{
    return YF_STR(YF_VERSION_MAJOR) "." YF_STR(YF_VERSION_MINOR) "." YF_STR(YF_VERSION_PATCH);
}
