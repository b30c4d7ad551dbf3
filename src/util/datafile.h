/* Read-only data files that ship with p11cert (the endpoints file, token
 * profiles): where they are installed, or, when p11cert runs from its build
 * directory, where they are in the source tree. */
#ifndef P11CERT_DATAFILE_H
#define P11CERT_DATAFILE_H

/* installed if it exists; else the source tree's copy, found from the
 * binary (BUILD/p11cert -> BUILD/../relative) if that exists; else
 * installed, for the error message. malloc'd; NULL when out of memory. */
char *datafile_path(const char *installed, const char *relative);

#endif
