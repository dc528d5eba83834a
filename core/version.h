#ifndef QR_VERSION_H
#define QR_VERSION_H
#define QR_VERSION "0.1.0"
#endif
