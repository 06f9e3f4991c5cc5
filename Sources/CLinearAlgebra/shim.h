#ifndef GWASFLOW_CLINEARALGEBRA_H
#define GWASFLOW_CLINEARALGEBRA_H
#include <cblas.h>
#include <lapacke.h>
/* openblas_set_num_threads, openblas_get_num_threads and openblas_get_corename come from OpenBLAS itself. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
#endif
