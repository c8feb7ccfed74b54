@echo off
rem Double-click launcher for clerks on Windows: opens the assessment web page over input\ and
rem output\ (process.py serve); with arguments it runs that command instead (e.g. --period 2023H1).
rem Then it waits for a key so that the last messages can be read. All messages come from process.py.
rem Keep this file pure ASCII with CRLF line ends (cmd.exe reads it in the ANSI code page).
rem Before every run it checks the .venv: a Python too old or broken is made again, missing or
rem other-version packages are installed (an interrupted first install is repaired).
setlocal
cd /d "%~dp0"
if not exist ".venv\Scripts\python.exe" goto makevenv
".venv\Scripts\python.exe" -c "import sys; sys.exit(sys.version_info < (3, 11))" || goto remakevenv
goto packages
:remakevenv
echo The .venv folder is broken or its Python is older than 3.11: making it again ...
rmdir /s /q .venv
:makevenv
echo Installing the program into .venv ...
set PY=
py -3 -c "import sys; sys.exit(sys.version_info < (3, 11))" >nul 2>&1 && set PY=py -3
if not defined PY python -c "import sys; sys.exit(sys.version_info < (3, 11))" >nul 2>&1 && set PY=python
if not defined PY goto nopython
%PY% -m venv .venv || goto failed
:packages
".venv\Scripts\python.exe" -m lingong.install_check >nul 2>&1 && goto run
echo Installing the required packages into .venv ...
".venv\Scripts\python.exe" -m pip install -q -r requirements.txt || goto failed
".venv\Scripts\python.exe" -m lingong.install_check || goto failed
:run
set CMD=
if "%~1"=="" set CMD=serve
".venv\Scripts\python.exe" process.py --input input --output output %CMD% %*
set RC=%ERRORLEVEL%
echo.
pause
exit /b %RC%
:nopython
echo Python 3.11 or newer was not found. Install it from python.org, then run this file again.
pause
exit /b 2
:failed
echo Installing the required packages failed. See the messages above.
pause
exit /b 2
