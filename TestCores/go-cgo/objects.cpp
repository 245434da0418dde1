// The c-heap fixture's C++ classes (polymorphic objects named by their vtable).
#include "../c-heap/objects.cpp"
