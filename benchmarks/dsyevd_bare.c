/* A bare LAPACK dsyevd call on a GEMMA text matrix: the floor for `gwasflow eigen`.
 * Reads the n x n matrix (not timed), then times LAPACKE_dsyevd('V', 'U') alone and prints
 * "dsyevd n=<n> seconds=<s> kernel=<OpenBLAS core>". Build: cc -O2 dsyevd_bare.c -o dsyevd_bare -llapacke -lopenblas
 * Threads: OPENBLAS_NUM_THREADS; kernel: OPENBLAS_CORETYPE (set it to the kernel gwasflow's log names,
 * since gwasflow restarts itself with a better one where OpenBLAS falls back to Prescott). */
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

char *openblas_get_corename(void);

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s MATRIX.txt\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    /* n from the first line's field count. */
    int n = 0, c, inField = 0;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        int space = c == ' ' || c == '\t' || c == '\r';
        if (!space && !inField) n++;
        inField = !space;
    }
    rewind(f);
    double *a = malloc(sizeof(double) * (size_t)n * n), *w = malloc(sizeof(double) * n);
    if (!a || !w) { fprintf(stderr, "out of memory\n"); return 2; }
    for (size_t k = 0; k < (size_t)n * n; k++) {
        if (fscanf(f, "%lf", &a[k]) != 1) { fprintf(stderr, "%s: expected %d x %d numbers\n", argv[1], n, n); return 2; }
    }
    fclose(f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', n, a, n, w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (info != 0) { fprintf(stderr, "dsyevd info %d\n", (int)info); return 1; }
    printf("dsyevd n=%d seconds=%.3f kernel=%s (smallest %.6g, largest %.6g)\n", n,
           (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), openblas_get_corename(), w[0], w[n - 1]);
    free(a); free(w);
    return 0;
}
