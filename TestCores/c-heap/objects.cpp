// The C++ part of the c-heap fixture: polymorphic classes whose objects live in
// the glibc heap, so an analyzer can name them from their vtable pointer.
// Objects are made with plain `new`, which in libstdc++ calls malloc(sizeof T).
#include "heap.h"

#include <typeinfo>

namespace {

struct Shape {
    Shape *next = nullptr;
    virtual ~Shape() = default;
    virtual double area() const = 0;
};

struct Circle final : Shape {
    double radius = 1.5;
    double area() const override { return 3.14159 * radius * radius; }
};

struct Square final : Shape {
    double side = 2.0;
    char label[40] = "square";
    double area() const override { return side * side; }
};

} // namespace

namespace geo {
template <typename T> struct Polygon final : Shape {
    T xs[12] = {};
    T ys[12] = {};
    double area() const override { return double(xs[0] + ys[0]); }
};
} // namespace geo

template <typename T> static cxx_object describe(T *object, const char *name) {
    return {static_cast<Shape *>(object), sizeof(T), name, typeid(T).name()};
}

extern "C" cxx_object cxx_make(cxx_kind kind, void *next) {
    cxx_object made{};
    switch (kind) {
    case CXX_CIRCLE: made = describe(new Circle, "(anonymous namespace)::Circle"); break;
    case CXX_SQUARE: made = describe(new Square, "(anonymous namespace)::Square"); break;
    default: made = describe(new geo::Polygon<int>, "geo::Polygon<int>"); break;
    }
    static_cast<Shape *>(made.ptr)->next = static_cast<Shape *>(next);
    return made;
}

extern "C" void cxx_link(void *object, void *next) {
    static_cast<Shape *>(object)->next = static_cast<Shape *>(next);
}

extern "C" void cxx_delete(void *object) { delete static_cast<Shape *>(object); }

extern "C" double cxx_area(const void *object) { return static_cast<const Shape *>(object)->area(); }
