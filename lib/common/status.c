#include "shai.h"

uint32_t shai_version_number(void)
{
    return SHAI_VERSION_NUMBER;
}

const char *shai_version_string(void)
{
    return SHAI_VERSION_STRING;
}

const char *shai_status_name(int status)
{
    switch (status) {
#define SHI_NAME_(name, value, message)                                                            \
    case value:                                                                                    \
        return #name;
        SHAI_STATUS_LIST(SHI_NAME_)
#undef SHI_NAME_
    }
    return "UNKNOWN";
}

const char *shai_status_message(int status)
{
    switch (status) {
#define SHI_MESSAGE_(name, value, message)                                                         \
    case value:                                                                                    \
        return message;
        SHAI_STATUS_LIST(SHI_MESSAGE_)
#undef SHI_MESSAGE_
    }
    return "unknown status";
}
