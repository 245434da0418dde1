/* The c-heap fixture's allocation registry and scenario, compiled into go-cgo
 * unchanged: the C half of this program builds the same heap, and its truth.json
 * has the c-heap manifest's shape (TestCores/README.md, "c-heap"). */
#include "../c-heap/record.c"
#include "../c-heap/scenario.c"
