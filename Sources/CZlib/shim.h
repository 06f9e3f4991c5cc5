#ifndef GWASFLOW_CZLIB_H
#define GWASFLOW_CZLIB_H
#include <zlib.h>
#endif
